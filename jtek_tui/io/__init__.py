"""Moving data in and out of a database file: backups and restore (and, later, import/export)."""
