"""The pretraining corpus pipeline: processor.py (its steps, without Beam), run.py (the command)."""
