"""The records of SCORM 1.2 courses bought in as packages: the package and each learner's
attempt (the page that launches a package is ``scorm.models.ScormPage``).

An editor uploads the ZIP under スニペット → SCORM教材 (``ScormPackage``: checked and unpacked
once, then never changed, like Wagtail's documents), and adds a 「SCORM教材」 page
(``ScormPage``) under a staff course that chooses it. Replacing a package is uploading the new
one and choosing it in the page: the page's revisions keep which package each version used.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Learner


class ScormPackage(models.Model):
    """An uploaded SCORM 1.2 package, unpacked in private storage under ``storage_prefix``.

    Edited (title only) under スニペット → SCORM教材; created only by
    ``scorm.services.package_create``.
    """

    title = models.CharField(_("教材名"), max_length=200)
    file_name = models.CharField(_("アップロードしたファイル"), max_length=255, editable=False)
    storage_prefix = models.CharField(max_length=64, unique=True, editable=False)
    launch_path = models.CharField(_("起動するファイル"), max_length=1000, editable=False)
    launch_query = models.CharField(max_length=1000, blank=True, editable=False)
    launch_data = models.TextField(blank=True, editable=False)
    schema_version = models.CharField(_("SCORM のバージョン"), max_length=20, editable=False)
    mastery_score = models.DecimalField(
        _("合格点"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )
    file_count = models.PositiveIntegerField(_("ファイル数"), editable=False)
    unpacked_bytes = models.PositiveBigIntegerField(_("展開後の大きさ（バイト）"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("アップロードした人"),
    )
    uploaded_at = models.DateTimeField(_("アップロード日時"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("SCORM教材")
        verbose_name_plural = _("SCORM教材")

    def __str__(self):
        return self.title

    def storage_name(self, path: str) -> str:
        """The name in the ``scorm_packages`` storage of one file of the package."""
        return f"{self.storage_prefix}/{path}"

    def content_prefix(self) -> str:
        """The URL path every file of this package is served under (its own CSP scope)."""
        return f"/scorm/{self.pk}/"


class LessonStatus(models.TextChoices):
    """``cmi.core.lesson_status`` of SCORM 1.2."""

    PASSED = "passed", _("合格")
    COMPLETED = "completed", _("完了")
    FAILED = "failed", _("不合格")
    INCOMPLETE = "incomplete", _("受講中")
    BROWSED = "browsed", _("閲覧のみ")
    NOT_ATTEMPTED = "not attempted", _("未受講")


class ScormAttempt(models.Model):
    """What one learner's runs of one package reported (SCORM 1.2 ``cmi.core``), kept to resume.

    Written only by ``scorm.services.attempt_commit``; ``completed_at`` is when it first passed
    or completed (with the mastery score, if the manifest gives one), which completes the course.
    """

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="scorm_attempts", verbose_name=_("受講者")
    )
    package = models.ForeignKey(
        ScormPackage,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("SCORM教材"),
    )
    lesson_status = models.CharField(
        _("状態"), max_length=16, choices=LessonStatus.choices, default=LessonStatus.NOT_ATTEMPTED
    )
    score_raw = models.DecimalField(
        _("得点"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    score_min = models.DecimalField(
        _("最低点"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    score_max = models.DecimalField(
        _("満点"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    lesson_location = models.CharField(_("中断した場所"), max_length=255, blank=True)
    suspend_data = models.TextField(_("中断データ"), max_length=4096, blank=True)
    total_seconds = models.DecimalField(
        _("学習時間の合計（秒）"), max_digits=12, decimal_places=2, default=0
    )
    # The launch whose cmi.core.session_time was last reported, and that time: a SCO reports
    # its session's time again on every commit, so only the growth is added to the total.
    session_key = models.CharField(max_length=32, blank=True)
    session_seconds = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最終記録日時"), auto_now=True)
    completed_at = models.DateTimeField(_("修了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("SCORM教材の受講記録")
        verbose_name_plural = _("SCORM教材の受講記録")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "package"], name="scorm_attempt_unique_package"
            )
        ]

    def __str__(self):
        return f"{self.learner} — {self.package}"
