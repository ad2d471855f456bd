"""warroom: a keyboard-driven terminal console for the Incident Commander."""

__version__ = "0.1.0"
