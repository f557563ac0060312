"""Session reports get an approval status. Reports already stored were counted in the tallies
as they were saved, so they become approved; the groups that could correct reports (the
municipal administrators) are given the new approval permission, so that what they enter keeps
counting at once."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def grant_approval_to_correctors(apps, schema_editor):
    # Permissions are otherwise made after every migration has run (post_migrate), too late
    # to give one to a group here: made now, as post_migrate would make it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type, _created = ContentType.objects.get_or_create(
        app_label="reports", model="trainingsession"
    )
    approve, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename="approve_trainingsession",
        defaults={"name": "開催報告を承認・差し戻しできる"},
    )
    for group in Group.objects.filter(
        permissions__content_type__app_label="reports",
        permissions__codename="change_trainingsession",
    ).distinct():
        group.permissions.add(approve)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ('reports', '0003_session_fingerprint_by_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='trainingsession',
            options={'ordering': ['-held_on', '-pk'], 'permissions': [('approve_trainingsession', '開催報告を承認・差し戻しできる')], 'verbose_name': '開催報告', 'verbose_name_plural': '開催報告'},
        ),
        migrations.AddField(
            model_name='trainingsession',
            name='review_comment',
            field=models.TextField(blank=True, editable=False, max_length=1000, verbose_name='差し戻しの理由'),
        ),
        migrations.AddField(
            model_name='trainingsession',
            name='reviewed_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='承認・差し戻しの日時'),
        ),
        migrations.AddField(
            model_name='trainingsession',
            name='reviewed_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='承認・差し戻しをした人'),
        ),
        migrations.AddField(
            model_name='trainingsession',
            name='status',
            field=models.CharField(choices=[('submitted', '申請中'), ('approved', '承認済み'), ('returned', '差し戻し')], default='approved', editable=False, max_length=16, verbose_name='承認の状況'),
        ),
        migrations.AlterField(
            model_name='trainingsession',
            name='status',
            field=models.CharField(choices=[('submitted', '申請中'), ('approved', '承認済み'), ('returned', '差し戻し')], default='submitted', editable=False, max_length=16, verbose_name='承認の状況'),
        ),
        migrations.RunPython(grant_approval_to_correctors, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='trainingsession',
            index=models.Index(fields=['status', 'municipality'], name='reports_tra_status_16dd41_idx'),
        ),
    ]
