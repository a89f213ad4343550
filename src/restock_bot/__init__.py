"""Restock Bot: turns 'can't find it at my store' posts into restock tickets, gifts and a public board."""

__version__ = "0.1.0"
