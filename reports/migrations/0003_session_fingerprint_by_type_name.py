"""Session fingerprints keyed by attendee type name instead of by column position.

The old fingerprint joined the seven counts in column order ("21,0,0,2,0,0,0"), so adding an
attendee type changed every stored fingerprint and a report entered again was no longer found
as a duplicate. The new one names the types with attendees, sorted ("general=21,government=2"),
as ``reports.models.session_fingerprint`` computes it; this migration recomputes every stored
report's fingerprint so that duplicate detection keeps matching. Both schemes are written out
here (a migration must not change when the model code does).
"""

import hashlib

from django.db import migrations

# The attendee types and their count columns when this migration was written, in column order.
COUNT_COLUMNS = [
    ("general", "attendees_general"),
    ("workplace", "attendees_workplace"),
    ("school", "attendees_school"),
    ("government", "attendees_government"),
    ("npo", "attendees_npo"),
    ("child", "attendees_child"),
    ("other", "attendees_other"),
]
BATCH = 2000


def _fingerprint(session, counts: str) -> str:
    key = "|".join(
        [
            str(session.municipality_id),
            session.held_on.isoformat() if session.held_on else "",
            " ".join(session.organiser_name.split()).casefold(),
            counts,
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint_by_position(session) -> str:
    """The fingerprint of migrations 0001–0002: the counts in column order."""
    return _fingerprint(
        session, ",".join(str(getattr(session, column) or 0) for _, column in COUNT_COLUMNS)
    )


def fingerprint_by_type_name(session) -> str:
    """The fingerprint from this migration on: ``type=count`` of non-zero counts, by name."""
    counted = sorted(
        (kind, n) for kind, column in COUNT_COLUMNS if (n := getattr(session, column) or 0)
    )
    return _fingerprint(session, ",".join(f"{kind}={n}" for kind, n in counted))


def _recompute(apps, fingerprint) -> None:
    TrainingSession = apps.get_model("reports", "TrainingSession")
    fields = ["pk", "municipality_id", "held_on", "organiser_name", "fingerprint"]
    fields += [column for _, column in COUNT_COLUMNS]
    sessions = TrainingSession.objects.only(*fields).order_by("pk")
    changed = []
    for session in sessions.iterator(chunk_size=BATCH):
        new = fingerprint(session)
        if new != session.fingerprint:
            session.fingerprint = new
            changed.append(session)
    # The two schemes hash different texts, so a new value never equals another row's old one.
    TrainingSession.objects.bulk_update(changed, ["fingerprint"], batch_size=BATCH)


def forwards(apps, schema_editor):
    """Recompute every stored fingerprint by attendee type name."""
    _recompute(apps, fingerprint_by_type_name)


def backwards(apps, schema_editor):
    """Back to the fingerprints by column position."""
    _recompute(apps, fingerprint_by_position)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_prefecture_rows_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
