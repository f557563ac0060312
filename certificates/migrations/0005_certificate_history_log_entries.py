"""The admin history of certificates is Wagtail's log: fill it from the events recorded so far.

Before this migration issuing, reissuing and revoking wrote only ``CertificateEvent`` rows, so
the 履歴 screen said there were no entries. Each past event becomes the log entry the services
now write (same action, user and time; no names and no reason, as in new entries).
"""

from django.db import migrations

ACTIONS = {
    "issued": "tsunagari.certificate.issue",
    "name_confirmed": "tsunagari.certificate.name_confirm",
    "reissued": "tsunagari.certificate.reissue",
    "revoked": "tsunagari.certificate.revoke",
}


def log_past_events(apps, schema_editor):
    CertificateEvent = apps.get_model("certificates", "CertificateEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    events = CertificateEvent.objects.select_related("certificate").order_by("at", "pk")
    if not events.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(
        app_label="certificates", model="certificate"
    )
    already = set(
        ModelLogEntry.objects.filter(
            content_type=content_type, action__in=ACTIONS.values()
        ).values_list("object_id", "action", "timestamp")
    )
    entries = []
    for event in events.iterator(chunk_size=500):
        action = ACTIONS[event.kind]
        key = (str(event.certificate_id), action, event.at)
        if key in already:
            continue
        data = {}
        if event.kind == "reissued" and event.detail.get("version"):
            data["version"] = event.detail["version"]
        entries.append(
            ModelLogEntry(
                content_type=content_type,
                object_id=str(event.certificate_id),
                label=event.certificate.serial,
                action=action,
                data=data,
                timestamp=event.at,
                user_id=event.user_id,
            )
        )
    ModelLogEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_certificate_exports_private_storage"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(log_past_events, migrations.RunPython.noop)]
