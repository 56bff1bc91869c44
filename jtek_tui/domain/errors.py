"""Typed errors that carry a sentence a user can read.

Front ends show `str(error)` as-is: the CLI prints it on one line (exit code 2
for bad input, 1 for failures), the TUI puts it next to the field named by
`field` or in a notification.
"""

from __future__ import annotations


class JtekError(Exception):
    """Base class: the message is always a complete, plain sentence."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(JtekError):
    """The user asked for something that cannot be done as asked; nothing changed."""

    exit_code = 2


class ValidationError(InputError):
    """A field holds a bad value. `field` names the form field it belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFoundError(InputError):
    pass


class AmbiguousError(InputError):
    def __init__(self, message: str, candidates: list[str] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


class RefusedError(InputError):
    """A rule forbids the action (e.g. deleting a contact that still has deals)."""


class ConflictError(JtekError):
    """Someone else changed the record since it was read."""


class BusyError(JtekError):
    """Another process held the database lock for longer than the busy timeout."""


class ReadOnlyError(JtekError):
    pass


class DatabaseError(JtekError):
    """The database cannot be opened or used (corrupt, missing, too new, ...)."""
