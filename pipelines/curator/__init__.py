"""Curator tooling: `rules check`, `rules test`, `rules explain` (see cli.py)."""
