"""Database helpers of the project: ``base.db.sqlite3`` (SQLite whose writers queue) and
``base.db.batch`` (a statement batch as one simple query on PostgreSQL)."""
