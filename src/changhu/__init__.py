"""Changhu (长护): long-term care insurance administration."""

__version__ = "0.1.0"
