"""Beam pipelines and the pure text functions they apply."""
__version__ = "0.1.0"
