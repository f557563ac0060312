"""The records of the 確認テスト and the questionnaire: question bank, attempts, answers.

The pages themselves (``QuizPage``, ``QuestionnairePage``) are in ``quizzes.models``, above
the services they call; everything else in the app builds on this module.
"""

import uuid

from django.db import models
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractFormField
from wagtail.fields import RichTextField
from wagtail.models import Orderable

from courses.blocks import RICH_TEXT_FEATURES
from courses.models import LessonPage
from courses.ruby import strip_ruby
from organizations.models import Learner, Municipality

from .admin_forms import QuestionAdminForm


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


class Question(ClusterableModel):
    """One question of a quiz's pool, with its choices (edited as a snippet)."""

    quiz = models.ForeignKey(
        "quizzes.QuizPage",
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("確認テスト"),
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
    quiz = models.ForeignKey("quizzes.QuizPage", on_delete=models.CASCADE, related_name="attempts")
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
