from django.db import migrations


class Migration(migrations.Migration):
    """``TaskHeartbeat`` lives in the base app now (``base`` 0001)."""

    dependencies = [
        ("elearning", "0002_taskheartbeat"),
    ]

    operations = [
        migrations.DeleteModel(name="TaskHeartbeat"),
    ]
