"""connlog: a keyboard-driven terminal browser for connector logs."""

__version__ = "0.1.0"
