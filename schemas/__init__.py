"""Arrow schemas of every record that crosses a stage boundary, and rule-file schemas.

Each schema carries a version in its metadata so a downstream stage can refuse
data it does not understand.
"""
