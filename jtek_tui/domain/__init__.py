"""The rules of Jtek. Every front end (TUI, CLI, automations, import) calls these
functions; each public function is one user action and one transaction.

This package must never import Textual (a test enforces it).
"""
