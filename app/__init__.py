"""Yibao Collect (医保收缴通): core and services, free of Qt."""

__version__ = "0.1.0"
