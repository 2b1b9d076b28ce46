"""Anju (安居): a city housing bureau's platform."""

__version__ = "0.1.0"
