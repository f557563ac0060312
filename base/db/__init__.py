"""Database backends of the project (``base.db.sqlite3``: SQLite whose writers queue)."""
