"""The embedded adapter set: SQLite, the file system and a Maildir, for `calsnack serve` on one machine."""
