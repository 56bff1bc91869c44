"""The Textual front end. Never writes SQL: every change goes through jtek_tui.domain."""
