"""SCORM 1.2 courses bought in as packages: the page that launches a package.

An editor uploads the ZIP under スニペット → SCORM教材 (``ScormPackage``: checked and unpacked
once, then never changed, like Wagtail's documents), and adds a 「SCORM教材」 page
(``ScormPage``) under a staff course that chooses it. Replacing a package is uploading the new
one and choosing it in the page: the page's revisions keep which package each version used.
The records (``scorm.records``) are re-exported here, where Django looks for the app's models.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.models import Page

from courses.models import Audience, CoursePage

from .launch import launch
from .records import LessonStatus, ScormAttempt, ScormPackage

__all__ = ["LessonStatus", "ScormAttempt", "ScormPackage", "ScormPage"]


class ScormPage(Page):
    """The page of a staff course that launches its SCORM package (one per course).

    Added in the page tree under a course whose 対象 is 「職員向け」. Learners assigned the
    course open it signed in; the package runs in a sandboxed frame and reports through the
    SCORM 1.2 API (scorm-again), and passing or completing it completes the course.
    """

    package = models.ForeignKey(
        ScormPackage,
        on_delete=models.PROTECT,
        related_name="pages",
        verbose_name=_("SCORM教材"),
        help_text=_("スニペット → SCORM教材 でアップロードした教材を選びます。"),
    )
    intro = models.TextField(_("はじめに"), max_length=1000, blank=True)

    content_panels = [
        *Page.content_panels,
        HelpPanel(
            content=_(
                "SCORM 1.2 の ZIP ファイルは、先に スニペット → SCORM教材 からアップロードします。"
                "差し替えるときは新しい教材をアップロードして、ここで選び直してください。"
            )
        ),
        FieldPanel("package"),
        FieldPanel("intro"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("SCORM教材")
        verbose_name_plural = _("SCORM教材")

    @classmethod
    def can_create_at(cls, parent) -> bool:
        """Only under a staff course, and once per course."""
        if not super().can_create_at(parent):
            return False
        course = parent.specific
        return (
            isinstance(course, CoursePage)
            and course.audience == Audience.STAFF
            and not cls.objects.child_of(parent).exists()
        )

    def clean(self):
        super().clean()
        parent = self.get_parent() if self.path else None
        course = parent.specific if parent is not None else None
        if isinstance(course, CoursePage) and course.audience != Audience.STAFF:
            raise ValidationError(_("SCORM教材は、対象が「職員向け」のコースにだけ置けます。"))

    @property
    def course(self) -> CoursePage:
        """The staff course this page belongs to."""
        return CoursePage.objects.get(path=self.path[: -self.steplen])

    def serve(self, request, *args, **kwargs):
        return launch(request, self, self.course)

    def serve_preview(self, request, mode_name):
        """The editor's preview: the launch page with the package, recording nothing."""
        return launch(request, self, self.course, preview=True)
