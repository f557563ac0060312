"""URL converters shared by every app.

``<id:name>`` matches a database id: digits that fit a signed 64-bit integer. A longer number
is no match (404), instead of reaching the database, where SQLite cannot bind it (500).
"""

MAX_ID = 2**63 - 1


class ObjectIdConverter:
    """A positive database id, at most ``MAX_ID``."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(value)  # Django's resolver then tries the next pattern, then 404s
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def parse_object_id(value) -> int | None:
    """``value`` (a query parameter) as a database id, or ``None`` when it is not one."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
