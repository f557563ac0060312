"""SQLite backend whose writing transactions queue on an OS lock (``base.py``)."""
