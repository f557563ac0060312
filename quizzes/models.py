"""The 確認テスト of a course: quiz page, question bank, attempts and answers."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from base.page_cache import SharedPageMixin
from courses.blocks import RICH_TEXT_FEATURES
from courses.models import CoursePage, LessonPage, PlainTitleMixin
from organizations.models import Learner, Municipality

from .admin_forms import QuestionAdminForm
from .questionnaire_forms import QuestionnaireFormBuilder


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("単一選択（正解は1つ）")
    MULTIPLE = "multiple", _("複数選択（正解は1つ以上）")
    TRUE_FALSE = "true_false", _("○×")


class ReviewLevel(models.TextChoices):
    """What a learner sees of their answers on the result page (Moodle's review options)."""

    SCORE = "score", _("得点だけ")
    MARKS = "marks", _("どの問題が正解・不正解だったか")
    EXPLANATIONS = "explanations", _("正解・不正解と解説（正解の選択肢は見せない）")
    ANSWER_KEY = "answer_key", _("正解の選択肢と解説（解答をすべて見せる）")


REVIEW_ORDER = list(ReviewLevel.values)


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

        When the page was served, Wagtail's routing already holds the course: ``Page.route``
        keeps the parent on the child it routes to (``_cached_parent_obj``, copied onto the
        specific page), so a quiz submission does not load its course again.
        """
        parent = getattr(self, "_cached_parent_obj", None)
        if isinstance(parent, CoursePage) and parent.path == self.path[: -self.steplen]:
            return parent
        return CoursePage.objects.get(path=self.path[: -self.steplen])

    def review_level(self, *, final: bool) -> str:
        """The review level for a result: ``final`` once the learner passed or has no attempt
        left, when the answers can no longer help anyone pass without reading."""
        return self.review_after_final if final else self.review_after_failure

    @path("")
    def quiz(self, request):
        from .views import quiz_view

        return quiz_view(request, self)

    @path("result/<uuid:attempt_id>/")
    def result(self, request, attempt_id):
        from .views import result_view

        return result_view(request, self, attempt_id)


class Question(ClusterableModel):
    """One question of a quiz's pool, with its choices (edited as a snippet)."""

    quiz = models.ForeignKey(
        QuizPage, on_delete=models.CASCADE, related_name="questions", verbose_name=_("確認テスト")
    )
    kind = models.CharField(
        _("形式"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    stem = RichTextField(_("問題文"), features=["bold", "italic", "ol", "ul"])
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("画像"),
    )
    image_alt = models.CharField(_("画像の代替テキスト"), max_length=250, blank=True)
    partial_credit = models.BooleanField(
        _("部分点を与える"),
        default=False,
        help_text=_(
            "複数選択のみ: 正しく選んだ数から誤って選んだ数を引いた割合で採点します。"
            "外すと、すべて正しく選んだときだけ正解です。"
        ),
    )
    explanation = RichTextField(_("解説"), features=RICH_TEXT_FEATURES, blank=True)
    review_lesson = models.ForeignKey(
        LessonPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("間違えたときに見直すレッスン"),
    )
    sort_order = models.PositiveSmallIntegerField(_("並び順"), default=0)
    is_active = models.BooleanField(_("出題する"), default=True)

    panels = [
        FieldPanel("quiz"),
        FieldPanel("kind"),
        FieldPanel("stem"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("画像")),
        InlinePanel("choices", label=_("選択肢"), min_num=2, max_num=8),
        FieldPanel("partial_credit"),
        FieldPanel("explanation"),
        FieldPanel("review_lesson"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]
    base_form_class = QuestionAdminForm

    class Meta:
        ordering = ["quiz", "sort_order", "pk"]
        verbose_name = _("確認テストの問題")
        verbose_name_plural = _("確認テストの問題")

    def __str__(self):
        from django.utils.html import strip_tags
        from django.utils.text import Truncator

        from courses.ruby import strip_ruby

        return Truncator(strip_ruby(strip_tags(self.stem))).chars(60)


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("選択肢"), max_length=300)
    is_correct = models.BooleanField(_("正解"), default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("選択肢")

    def __str__(self):
        return self.text


class Attempt(models.Model):
    """One sitting of a quiz by a learner: the questions drawn for it and, once submitted, the
    score. Its public id (in the result URL) cannot be guessed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="attempts")
    # Kept without the learner when they delete their data, so quiz statistics do not change.
    learner = models.ForeignKey(
        Learner, on_delete=models.SET_NULL, null=True, blank=True, related_name="quiz_attempts"
    )
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    score_percent = models.DecimalField(
        _("得点（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("合格"), null=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("市区町村"),
        help_text=_("提出した時点の受講者の市区町村（集計用）"),
    )

    class Meta:
        verbose_name = _("受験")
        verbose_name_plural = _("受験")
        indexes = [
            models.Index(fields=["quiz", "learner", "submitted_at"]),
            models.Index(fields=["quiz", "submitted_at"]),
        ]

    def __str__(self):
        return f"{self.quiz} — {self.learner}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptAnswer(models.Model):
    """A question drawn for an attempt, the order its choices were shown in, and its grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    choice_order = models.JSONField(default=list)
    selected_choices = models.ManyToManyField(Choice, through="SelectedChoice", related_name="+")
    score = models.FloatField(null=True, blank=True)
    is_correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_answer_unique")
        ]

    def __str__(self):
        return f"{self.attempt_id}#{self.position}"


class SelectedChoice(models.Model):
    """A choice the learner ticked (one row per tick, so wrong answers can be counted)."""

    answer = models.ForeignKey(AttemptAnswer, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="selections")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "choice"], name="selected_choice_unique")
        ]

    def __str__(self):
        return f"{self.answer_id} → {self.choice_id}"


class QuestionnaireField(AbstractFormField):
    page = ParentalKey("QuestionnairePage", on_delete=models.CASCADE, related_name="form_fields")


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
