"""lm-eval task YAMLs over local benchmark files, and the hooks they name (utils.py)."""
