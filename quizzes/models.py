"""The pages of the 確認テスト and the questionnaire; their records are in ``quizzes.records``.

The pages sit at the top of the app: each routes its requests to ``quizzes.views``, which call
the services, which work on the records. Nothing below imports this module, so there is no
import cycle. The records are re-exported here, where Django and the rest of the project look
for the app's models.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from base import wagtail_adapter
from base.page_cache import SharedPageMixin
from courses.blocks import RICH_TEXT_FEATURES
from courses.models import CoursePage, PlainTitleMixin

from . import views
from .questionnaire_forms import QuestionnaireFormBuilder
from .records import (
    REVIEW_ORDER,
    Attempt,
    AttemptAnswer,
    Choice,
    Question,
    QuestionKind,
    QuestionnaireField,
    ReviewLevel,
    SelectedChoice,
)

__all__ = [
    "REVIEW_ORDER",
    "Attempt",
    "AttemptAnswer",
    "Choice",
    "Question",
    "QuestionKind",
    "QuestionnaireField",
    "QuestionnairePage",
    "QuizPage",
    "ReviewLevel",
    "SelectedChoice",
]


class QuizPage(PlainTitleMixin, SharedPageMixin, RoutablePageMixin, Page):
    """A course's comprehension check. A child page of the course; its questions are
    ``Question`` snippets (スニペット → 確認テストの問題) so that answers can be analysed."""

    intro = RichTextField(_("はじめに"), features=RICH_TEXT_FEATURES, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("合格点（%）"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("1回に出題する問題数"),
        null=True,
        blank=True,
        help_text=_("空欄なら、登録されている問題をすべて出題します。"),
    )
    shuffle_questions = models.BooleanField(_("問題の順番を入れ替える"), default=True)
    shuffle_choices = models.BooleanField(_("選択肢の順番を入れ替える"), default=True)
    attempt_limit = models.PositiveSmallIntegerField(
        _("受験できる回数"), default=0, help_text=_("0 なら何回でも受けられます。")
    )
    retry_wait_minutes = models.PositiveIntegerField(
        _("不合格のあと再受験までの待ち時間（分）"), default=0
    )
    review_after_failure = models.CharField(
        _("不合格のあと（まだ受けられるとき）に見せるもの"),
        max_length=16,
        choices=ReviewLevel.choices,
        default=ReviewLevel.EXPLANATIONS,
        help_text=_(
            "正解の選択肢まで見せると、次の回は読まずに合格できてしまいます。"
            "解説に正解そのものを書かないようにすると、見直しの助けになります。"
        ),
    )
    review_after_final = models.CharField(
        _("合格したあと・最後の回を終えたあとに見せるもの"),
        max_length=16,
        choices=ReviewLevel.choices,
        default=ReviewLevel.ANSWER_KEY,
        help_text=_("受験できる回数を使い切ったときも、こちらの設定で見せます。"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("questions_per_attempt"),
                FieldPanel("shuffle_questions"),
                FieldPanel("shuffle_choices"),
                FieldPanel("attempt_limit"),
                FieldPanel("retry_wait_minutes"),
            ],
            heading=_("出題と採点の設定"),
        ),
        MultiFieldPanel(
            [FieldPanel("review_after_failure"), FieldPanel("review_after_final")],
            heading=_("結果ページで見せるもの"),
        ),
        HelpPanel(
            content=_("問題は「スニペット → 確認テストの問題」で、このテストを選んで登録します。")
        ),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("確認テスト")
        verbose_name_plural = _("確認テスト")

    @cached_property
    def course(self) -> CoursePage:
        """The course this quiz belongs to.

        When the page was served, routing already holds the course (it tells the child its
        parent, ``base.wagtail_adapter``), so a quiz submission does not load it again.
        """
        parent = wagtail_adapter.known_parent(self)
        if isinstance(parent, CoursePage) and parent.path == self.path[: -self.steplen]:
            return parent
        return CoursePage.objects.get(path=self.path[: -self.steplen])

    def review_level(self, *, final: bool) -> str:
        """The review level for a result: ``final`` once the learner passed or has no attempt
        left, when the answers can no longer help anyone pass without reading."""
        return self.review_after_final if final else self.review_after_failure

    def course_questionnaire(self):
        """The live questionnaire of this quiz's course, if it has one."""
        return QuestionnairePage.objects.live().child_of(self.course).first()

    @classmethod
    def of_course(cls, course):
        """The live quiz of ``course``, or None."""
        return cls.objects.live().child_of(course).first()

    # The page is the controller (as in wagtail.contrib.forms): its routes hand the request
    # to the views, which call the services.
    @path("")
    def quiz(self, request):
        return views.quiz_view(request, self)

    @path("result/<uuid:attempt_id>/")
    def result(self, request, attempt_id):
        return views.result_view(request, self, attempt_id)


class QuestionnairePage(PlainTitleMixin, AbstractForm):
    """The course questionnaire (アンケート), built with Wagtail's form builder so editors change
    the questions. Answers are anonymous: a submission stores the answers only, never who sent
    them. A child page of the course; its aggregates are under レポート → アンケートの集計."""

    # Text answers bounded as the page says (``quizzes.questionnaire_forms``).
    form_builder = QuestionnaireFormBuilder

    intro = RichTextField(_("はじめに"), features=RICH_TEXT_FEATURES, blank=True)
    thank_you_text = RichTextField(_("送信後のお礼"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [
        *AbstractForm.content_panels,
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("質問")),
        FieldPanel("thank_you_text"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("アンケート")
        verbose_name_plural = _("アンケート")

    @property
    def course(self) -> CoursePage:
        return CoursePage.objects.get(path=self.path[: -self.steplen])

    @classmethod
    def of_course(cls, course):
        """The live questionnaire of ``course``, or None."""
        return cls.objects.live().child_of(course).first()

    def session_key(self) -> str:
        return f"questionnaire-answered-{self.pk}"

    def serve(self, request, *args, **kwargs):
        # The session only remembers "already answered" to thank rather than ask twice; it is
        # not stored with the answers.
        if request.method == "GET" and request.session.get(self.session_key()):
            return self.render_landing_page(request)
        return super().serve(request, *args, **kwargs)

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        if form_submission is not None:
            request.session[self.session_key()] = True
        return super().render_landing_page(request, form_submission, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course"] = self.course
        return context
