from django.db import migrations, models


class Migration(migrations.Migration):
    """``TaskHeartbeat`` moved here from the site app (``elearning`` 0003 drops the old table).

    Its rows live only while a task runs, so nothing is copied: a worker running during the
    upgrade is restarted by the deployment anyway."""

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="TaskHeartbeat",
            fields=[
                ("task_id", models.UUIDField(primary_key=True, serialize=False, verbose_name="タスクID")),
                ("worker_id", models.CharField(max_length=64, verbose_name="ワーカーID")),
                ("beat_at", models.DateTimeField(verbose_name="最終応答")),
            ],
            options={
                "verbose_name": "タスクの生存確認",
                "verbose_name_plural": "タスクの生存確認",
            },
        ),
    ]
