"""stockroom: a small inventory and bookkeeping toolkit for a shop."""

__version__ = "0.4.1"
