"""The courses app's pages: a course (``CoursePage``) and its lessons (``LessonPage``).

The pages are the controllers of their own URLs (as in ``wagtail.contrib.forms``): a GET shows
the page, a POST starts the course or finishes the lesson, through the services. They sit at
the top of the app: everything they use (records, progress, services, blocks) is below them
and imports none of them. The records (``courses.records``) and audiences are re-exported here,
where Django and the rest of the project look for the app's models.
"""

from django.contrib import messages
from django.db import models
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from base import wagtail_adapter
from base.page_cache import (
    CachedPageMixin,
    find_specific_child,
    memoized,
    route_through_child,
)
from organizations.learners import current_learner, learner_for_update

from . import services
from .audiences import SUPPORTER_AUDIENCES, Audience
from .blocks import RICH_TEXT_FEATURES, LessonStreamBlock
from .outline import outline_items
from .progress import course_progress, lesson_navigation, progress_for, saved_reflections
from .reading_time import seconds_since
from .records import (
    Completion,
    ConsultationWindow,
    Enrollment,
    LessonProgress,
    ReflectionNote,
    StaffAssignee,
    StaffAssignment,
    TrainingReminder,
)
from .ruby import strip_ruby
from .wording import for_course

__all__ = [
    "SUPPORTER_AUDIENCES",
    "Audience",
    "Completion",
    "ConsultationWindow",
    "CoursePage",
    "Enrollment",
    "LessonPage",
    "LessonProgress",
    "PlainTitleMixin",
    "ReflectionNote",
    "StaffAssignee",
    "StaffAssignment",
    "TrainingReminder",
]


class PlainTitleMixin:
    """A page whose title may carry readings (漢字《かんじ》): the readings are for learners
    only, so the admin (explorer, choosers, breadcrumbs), select lists, filters and exports,
    which show ``str(page)`` or the admin display title, read the plain title."""

    def __str__(self):
        return strip_ruby(self.title)

    def get_admin_display_title(self):
        return strip_ruby(super().get_admin_display_title())

    @property
    def plain_title(self) -> str:
        return strip_ruby(self.title)


class CoursePage(PlainTitleMixin, CachedPageMixin, Page):
    """A course: its overview page, with its lessons (``LessonPage``) as children.

    Edited in the Wagtail page tree under the home page. A supporter course (citizens or
    children) counts つながりサポーター when completed; a staff course counts towards 受講率.
    """

    audience = models.CharField(
        _("対象"), max_length=16, choices=Audience.choices, default=Audience.CITIZEN
    )
    course_code = models.CharField(
        _("コース記号"),
        max_length=8,
        unique=True,
        help_text=_("修了証番号の頭に付く英大文字（例: TS）。公開後は変えないでください。"),
    )
    summary = models.TextField(_("概要"), max_length=400)
    estimated_minutes = models.PositiveSmallIntegerField(_("目安の時間（分）"), default=30)
    learning_goals = StreamField(
        [("goal", blocks.CharBlock(label=_("目標"), max_length=200))],
        blank=True,
        verbose_name=_("学習目標"),
    )
    intro = RichTextField(_("はじめに"), features=RICH_TEXT_FEATURES, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("メイン画像"),
    )
    quiz_required = models.BooleanField(
        _("修了には確認テストの合格が必要"),
        default=True,
        help_text=_(
            "外すと、確認テストは理解度の自己チェックになり、レッスンを終えれば修了です"
            "（国のつながりサポーター養成講座には試験がありません）。"
        ),
    )
    hero_image_alt = models.CharField(
        _("メイン画像の代替テキスト"),
        max_length=250,
        blank=True,
        help_text=_("空欄なら装飾画像として扱います。"),
    )

    search_fields = [*Page.search_fields, index.SearchField("summary")]
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("course_code"),
                FieldPanel("estimated_minutes"),
                FieldPanel("quiz_required"),
            ],
            heading=_("コースの設定"),
        ),
        FieldPanel("summary"),
        FieldPanel("learning_goals"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("hero_image"), FieldPanel("hero_image_alt")], heading=_("メイン画像")
        ),
        HelpPanel(
            content=_(
                "レッスンは、このページの子ページ「レッスン」として追加します。"
                "並び順がそのまま受講の順番になります。"
            )
        ),
    ]
    parent_page_types = ["elearning.HomePage"]
    subpage_types = [
        "courses.LessonPage",
        "quizzes.QuizPage",
        "quizzes.QuestionnairePage",
        "scorm.ScormPage",
    ]

    class Meta:
        verbose_name = _("コース")
        verbose_name_plural = _("コース")

    @property
    def is_supporter_course(self) -> bool:
        """Completions of citizen and children's courses count as つながりサポーター."""
        return self.audience in SUPPORTER_AUDIENCES

    def get_lessons(self):
        """The live lessons in the order the editor arranged them."""
        return LessonPage.objects.live().child_of(self).order_by("path")

    def lesson_list(self) -> list:
        """``get_lessons()`` as a list, read once per generation of the page cache (every
        page of a course shows its table of contents)."""
        return memoized(("lessons", self.pk), lambda: list(self.get_lessons()))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["progress"] = course_progress(request, self)
        context["outline_items"] = outline_items(request, self)
        return context

    def route(self, request, path_components):
        # Children are found once per generation of the page cache (base.page_cache).
        if not path_components:
            return super().route(request, path_components)
        return route_through_child(self, request, path_components, _find_child_of_course)

    def serve(self, request, *args, **kwargs):
        # Like wagtail.contrib.forms: the page itself takes the POST ("start this course").
        if request.method == "POST":
            return self.start(request)
        return super().serve(request, *args, **kwargs)

    def start(self, request):
        """POST on the course page: enrol the learner and send them to where they should
        read."""
        learner = learner_for_update(request)
        services.enrollment_start(learner=learner, course=self)
        progress = progress_for(learner, self)
        target = progress.resume_lesson or (progress.lessons[0][0] if progress.lessons else None)
        return redirect(target.url if target else self.url)


def _find_child_of_course(course, slug):
    # Lessons are most of the children: the specific lesson in one query (Wagtail's lookup
    # takes two), handed its course so it never looks its parent up again.
    lesson = LessonPage.objects.child_of(course).filter(slug=slug).first()
    if lesson is None:
        return find_specific_child(course, slug)  # the quiz, the questionnaire
    return lesson


class LessonPage(PlainTitleMixin, CachedPageMixin, Page):
    """One lesson of a course. Its body is the shared lesson stream (``LessonStreamBlock``)."""

    summary = models.CharField(_("このレッスンで学ぶこと"), max_length=300, blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("目安の時間（分）"), default=5)
    body = StreamField(LessonStreamBlock(), verbose_name=_("本文"))

    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("レッスン")
        verbose_name_plural = _("レッスン")

    @cached_property
    def course(self) -> CoursePage:
        """The course this lesson belongs to: known without a query when the lesson was
        routed to through its course (``CoursePage.route``)."""
        parent = wagtail_adapter.known_parent(self)
        if isinstance(parent, CoursePage) and parent.path == self.path[: -self.steplen]:
            return parent
        return CoursePage.objects.get(path=self.path[: -self.steplen])

    def get_context(self, request, *args, **kwargs):
        # Only reads: Wagtail's preview renders this context too (``serve_preview``).
        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_navigation(request, self))
        context["saved_reflections"] = saved_reflections(request, self)
        return context

    def serve(self, request, *args, **kwargs):
        """A real visit: POST finishes the lesson; GET shows it and records the visit.

        Preview goes through ``serve_preview`` and so records nothing."""
        if request.method == "POST":
            return self.complete(request)
        response = super().serve(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if "progress" in context:
            self.record_visit(request, context["progress"], context["lesson_status"])
        return response

    def shared_rendering_parts(self, request, context) -> tuple | None:
        """A learner's page of this lesson differs from another's only by their progress
        through the course and the municipality whose consultation windows are shown (the
        CSRF token and the opening time are put in per request). Whatever else could be
        personal (a signed-in account, saved 個人ワーク answers, messages, a query string)
        renders the page for this request alone."""
        if request.method != "GET" or request.META.get("QUERY_STRING"):
            return None
        if "messages" in request.COOKIES or context.get("saved_reflections"):
            return None
        if request.user.is_authenticated:  # the header shows the account; not shared
            return None
        learner = current_learner(request)
        progress = context.get("progress")
        if learner is None or progress is None:
            return None
        return (
            self.pk,
            learner.municipality_id,
            progress.enrollment is not None,
            tuple(status for _lesson, status in progress.lessons),
        )

    def record_visit(self, request, progress, status: str) -> None:
        """Opening a lesson marks it started, for learners we already know (never creates
        one). Uses the progress the page has already read, so re-reading writes nothing."""
        learner = current_learner(request)
        if learner is None:
            return
        enrollment = progress.enrollment
        if enrollment is not None and status and enrollment.last_lesson_id == self.pk:
            return
        services.enrollment_visit_lesson(learner=learner, lesson=self)

    def complete(self, request):
        """POST on the lesson page: the learner finished reading it."""
        if request.POST.get("action") != "complete":
            return HttpResponseBadRequest(gettext("不正な操作です。"))
        learner = learner_for_update(request)
        result = services.enrollment_complete_lesson(
            learner=learner,
            lesson=self,
            seconds_spent=seconds_since(request.POST.get("opened", "")),
        )
        course = self.course
        if result.course_completed_now:
            messages.success(
                request,
                for_course(
                    course,
                    "message_course_completed",
                    gettext("おめでとうございます。「%(course)s」を修了しました。")
                    % {"course": strip_ruby(course.title)},
                    course=course.title,
                ),
            )
            return redirect(course.url)
        progress = progress_for(learner, course)
        lessons = [entry for entry, _status in progress.lessons]
        index = lessons.index(self) if self in lessons else len(lessons) - 1
        if index + 1 < len(lessons):
            return redirect(lessons[index + 1].url)
        if progress.resume_lesson is not None:
            messages.info(
                request,
                for_course(
                    course,
                    "message_lessons_left",
                    gettext("まだ終わっていないレッスンがあります。"),
                ),
            )
            return redirect(course.url)
        # Every lesson is done but the course is not: go to the next step (the quiz).
        for item in outline_items(request, course):
            if item.required and not item.done:
                return redirect(item.url)
        return redirect(course.url)

    @property
    def has_reflections(self) -> bool:
        return any(block.block_type == "reflection" for block in self.body)
