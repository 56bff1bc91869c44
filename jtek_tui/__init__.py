"""Jtek TUI: a keyboard-driven sales-pipeline CRM for the terminal."""

__version__ = "0.1.0"
