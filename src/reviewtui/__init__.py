"""reviewtui: a terminal review companion for spec-driven development with coding agents."""

__version__ = "0.1.0"
