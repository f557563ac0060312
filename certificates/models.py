"""Certificates of completion (修了証): numbering, verification codes, wording and history."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from courses.models import Completion, CoursePage

from .storage import certificate_export_storage, export_file_name

# Letters and digits that cannot be mistaken for one another when read aloud or retyped
# (no 0/O, 1/I/L, U/V): 29 symbols, so 18 of them carry 87 bits of randomness.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 18
DEFAULT_BODY = "あなたは「{course}」の課程を修了したことを証します。"


def new_verification_code() -> str:
    """A random, URL-safe, unambiguous code of at least 80 bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """Who issues certificates on this site, and how they are worded (per-course overrides are
    in スニペット → 修了証の設定（コース別）)."""

    issuer_name = models.CharField(
        _("発行者名"), max_length=80, blank=True, help_text=_("例: 大阪市長 ○○ ○○")
    )
    issuer_title = models.CharField(
        _("発行者の肩書・部署"), max_length=80, blank=True, help_text=_("例: 大阪市 福祉局")
    )
    body_template = models.CharField(
        _("本文"),
        max_length=200,
        default=DEFAULT_BODY,
        help_text=_("{course} の位置にコース名が入ります。"),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ロゴ"),
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("印影"),
    )

    panels = [
        FieldPanel("issuer_name"),
        FieldPanel("issuer_title"),
        FieldPanel("body_template"),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("seal")], heading=_("画像")),
    ]

    class Meta:
        verbose_name = _("修了証の設定")


class CourseCertificateOptions(models.Model):
    """Per-course wording of certificates; empty fields fall back to the site settings."""

    course = models.OneToOneField(
        CoursePage,
        on_delete=models.CASCADE,
        related_name="certificate_options",
        verbose_name=_("コース"),
    )
    issuer_name = models.CharField(_("発行者名"), max_length=80, blank=True)
    issuer_title = models.CharField(_("発行者の肩書・部署"), max_length=80, blank=True)
    body_template = models.CharField(_("本文"), max_length=200, blank=True)
    era_only = models.BooleanField(
        _("日付を元号のみで書く"),
        default=False,
        help_text=_("賞状の体裁（例: 令和7年11月22日）。外すと西暦を括弧で添えます。"),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ロゴ"),
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("印影"),
    )

    panels = [
        FieldPanel("course"),
        FieldPanel("issuer_name"),
        FieldPanel("issuer_title"),
        FieldPanel("body_template"),
        FieldPanel("era_only"),
        FieldPanel("logo"),
        FieldPanel("seal"),
    ]

    class Meta:
        verbose_name = _("修了証の設定（コース別）")
        verbose_name_plural = _("修了証の設定（コース別）")

    def __str__(self):
        return str(self.course)


class SerialCounter(models.Model):
    """The last serial number given per course and fiscal year; locked while numbering, so the
    sequence has no gaps and no duplicates even under concurrent completions."""

    course_code = models.CharField(max_length=8)
    fiscal_year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course_code", "fiscal_year"], name="serial_counter_unique"
            )
        ]

    def __str__(self):
        return f"{self.course_code}-{self.fiscal_year}: {self.last_number}"


class Certificate(models.Model):
    """The certificate of one completion. Made only by ``services.certificate_issue``."""

    completion = models.OneToOneField(
        Completion, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("修了")
    )
    serial = models.CharField(_("修了証番号"), max_length=32, unique=True)
    course_code = models.CharField(max_length=8)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField()
    code = models.CharField(
        _("確認コード"), max_length=32, unique=True, default=new_verification_code, editable=False
    )
    name_printed = models.CharField(_("印字する氏名"), max_length=60, blank=True)
    name_confirmed_at = models.DateTimeField(_("氏名の確認日時"), null=True, blank=True)
    name_withheld = models.BooleanField(
        _("氏名非表示"),
        default=False,
        help_text=_("受講者が個人データを削除したため、氏名を表示しません。"),
    )
    issued_at = models.DateTimeField(_("発行日時"))
    version = models.PositiveSmallIntegerField(_("版"), default=1)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    revoke_reason = models.CharField(_("失効の理由"), max_length=200, blank=True)
    # Where the certificate's revocation bit sits in the published Bitstring Status List
    # (certificates.status_list): list number and bit index, fixed at issue, never reused.
    status_list = models.PositiveIntegerField(_("失効リスト番号"), null=True, editable=False)
    status_list_index = models.PositiveIntegerField(
        _("失効リスト内の位置"), null=True, editable=False
    )

    class Meta:
        verbose_name = _("修了証")
        verbose_name_plural = _("修了証")
        constraints = [
            models.UniqueConstraint(
                fields=["course_code", "fiscal_year", "sequence"],
                name="certificate_sequence_unique",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_list_index"],
                name="certificate_status_list_position_unique",
            ),
        ]

    def __str__(self):
        return self.serial

    def get_absolute_url(self):
        """The verification page of this version. A reissued version's URL (and so its QR code)
        names the version, so a copy of an earlier version shows as replaced (差し替え済み);
        a URL without ``v`` is the first version."""
        path = reverse("certificate-verify", args=[self.code])
        return path if self.version == 1 else f"{path}?v={self.version}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateEvent(models.Model):
    """What happened to a certificate and who did it (issue, name confirmed, reissue, revoke)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("発行")
        NAME_CONFIRMED = "name_confirmed", _("氏名の確認")
        REISSUED = "reissued", _("再発行（氏名の訂正）")
        REVOKED = "revoked", _("失効")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("修了証の履歴")
        verbose_name_plural = _("修了証の履歴")

    def __str__(self):
        return f"{self.certificate} {self.kind}"


class CertificateExport(models.Model):
    """A ZIP of many certificates' PDFs, built by a background task with visible progress.

    The ZIP is deleted ``CERTIFICATE_EXPORT_RETENTION_DAYS`` after it is finished; the row stays
    (status 削除済み) as the record of who exported which certificates when.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("作成中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")
        EXPIRED = "expired", _("削除済み（保存期間の経過）")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("依頼者"),
    )
    # The requester's area when they asked (``exports.scope_key``): the ZIP holds that area's
    # names, so it is served only while they still administer exactly that area.
    requested_scope = models.CharField(max_length=64, blank=True, editable=False)
    course = models.ForeignKey(
        CoursePage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("コース"),
        help_text=_("空欄ならすべてのコース"),
    )
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属"),
        help_text=_("空欄ならすべての所属"),
    )
    date_from = models.DateField(_("修了日（から）"), null=True, blank=True)
    date_to = models.DateField(_("修了日（まで）"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("件数"), default=0)
    done = models.PositiveIntegerField(_("作成済み"), default=0)
    # Private storage, random name: never reachable under MEDIA_URL (certificates/storage.py).
    file = models.FileField(
        _("ZIP ファイル"),
        upload_to=export_file_name,
        storage=certificate_export_storage,
        blank=True,
        max_length=200,
    )
    error = models.TextField(_("エラー"), blank=True)
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("修了証の一括ダウンロード")
        verbose_name_plural = _("修了証の一括ダウンロード")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
