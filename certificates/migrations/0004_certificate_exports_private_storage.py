"""Bulk export ZIPs move to a private storage under random names; the old public ones go.

Before this migration ZIPs were written to MEDIA_ROOT/certificate-exports/certificates-N.zip,
which anyone could download under /media/. They are deleted here (not moved: a ZIP can be made
again in a minute, and a copy that was public must not live on); their exports are marked
削除済み so the administrator knows to request a new one.
"""

from django.core.files.storage import default_storage
from django.db import migrations, models

import certificates.storage

LEGACY_DIRECTORY = "certificate-exports"


def delete_public_exports(apps, schema_editor):
    CertificateExport = apps.get_model("certificates", "CertificateExport")
    for export in CertificateExport.objects.exclude(file=""):
        if export.file.name.startswith(f"{LEGACY_DIRECTORY}/"):
            if default_storage.exists(export.file.name):
                default_storage.delete(export.file.name)
            CertificateExport.objects.filter(pk=export.pk).update(file="", status="expired")
    # ZIPs left behind by exports that were deleted in the admin.
    try:
        _directories, files = default_storage.listdir(LEGACY_DIRECTORY)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        default_storage.delete(f"{LEGACY_DIRECTORY}/{name}")


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_course_logo"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificateexport",
            name="requested_scope",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="certificateexport",
            name="file",
            field=models.FileField(
                blank=True,
                max_length=200,
                storage=certificates.storage.certificate_export_storage,
                upload_to=certificates.storage.export_file_name,
                verbose_name="ZIP ファイル",
            ),
        ),
        migrations.AlterField(
            model_name="certificateexport",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "待機中"),
                    ("running", "作成中"),
                    ("done", "完了"),
                    ("failed", "失敗"),
                    ("expired", "削除済み（保存期間の経過）"),
                ],
                default="queued",
                max_length=8,
                verbose_name="状態",
            ),
        ),
        migrations.RunPython(delete_public_exports, migrations.RunPython.noop),
    ]
