"""krimdash: the metrics dashboard for Aarhus Kommune's crime-prevention area."""

__version__ = "0.1.0"
