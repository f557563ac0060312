"""The summary of a held course's questionnaire (アンケート): the one read that the organiser's
当日の受付・実施報告 screen, the prefilled 実施報告 and the approver's screen share, so they
cannot disagree.

Counts per choice are for everyone who may see the course's screens; the free-text comments
only for those ``may_read_comments`` names (the course's organiser and the administrators of
its municipality), and only until ``purge_course_signups`` blanks them (docs/data-protection.md).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import AdminScope
from organizations.scopes import scope_for_user

from .models import PlannedCourse, QuestionnaireAnswer
from .services import organiser_of, questionnaire_closes_at, questionnaire_is_open

# The answers the 実施報告 counts as 肯定的回答 (「理解が深まった」等).
POSITIVE_UNDERSTANDING = (
    QuestionnaireAnswer.Understanding.WELL,
    QuestionnaireAnswer.Understanding.MOSTLY,
)
QUESTIONS = (
    ("understanding", QuestionnaireAnswer.Understanding),
    ("satisfaction", QuestionnaireAnswer.Satisfaction),
    ("reach_out", QuestionnaireAnswer.ReachOut),
)


@dataclass(frozen=True)
class ChoiceCount:
    """How many answered one choice of one question."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class QuestionCounts:
    """One question with the count of every choice, in the order the attendee saw them."""

    name: str
    label: str
    choices: tuple[ChoiceCount, ...]


@dataclass
class QuestionnaireSummary:
    """The questionnaire of one course, summed up. ``comments`` is empty unless the reader
    may read them (``course_questionnaire_summary(with_comments=True)``)."""

    responses: int = 0
    positive: int = 0
    questions: tuple[QuestionCounts, ...] = ()
    comments: list[str] = field(default_factory=list)
    comments_shown: bool = False
    is_open: bool = False
    closes_at: dt.datetime | None = None

    def count(self, question: str, value: str) -> int:
        """The count of one choice (0 when nobody chose it)."""
        for counts in self.questions:
            if counts.name == question:
                return next((c.count for c in counts.choices if c.value == value), 0)
        raise KeyError(question)

    def report_text(self) -> str:
        """The counts as one paragraph for the 実施報告's アンケートの主な意見 (the organiser adds
        the main opinions in their own words: comments are not copied into the report,
        which is kept for years while they are deleted after the report window)."""
        if not self.responses:
            return ""
        parts = [
            "{label}：{choices}".format(
                label=counts.label,
                choices="、".join(f"{c.label} {c.count}" for c in counts.choices),
            )
            for counts in self.questions
        ]
        head = _("講座のアンケート（%(n)s 人が回答）") % {"n": self.responses}
        return head + "\n" + "\n".join(parts)

    def report_initial(self) -> dict:
        """What the 実施報告 form's questionnaire fields start from."""
        if not self.responses:
            return {}
        return {
            "questionnaire_responses": self.responses,
            "questionnaire_positive": self.positive,
            "questionnaire_summary": self.report_text(),
        }


def may_read_comments(user, course: PlannedCourse) -> bool:
    """Whether ``user`` may read the free-text comments of ``course``: its own organiser, or
    an administrator whose scope is the course's municipality (or the city of its ward).
    Prefectural and national administrators see the counts only: the comments are for those
    who run the course and approve its report, not for overviews."""
    if user is None or not user.is_authenticated:
        return False
    organiser = organiser_of(user)
    if organiser is not None and organiser.pk == course.organiser_id:
        return True
    scope = scope_for_user(user)
    return (
        scope is not None
        and scope.level == AdminScope.Level.MUNICIPALITY
        and scope.allows_municipality(course.municipality)
    )


def course_questionnaire_summary(
    course: PlannedCourse, *, with_comments: bool = False, now: dt.datetime | None = None
) -> QuestionnaireSummary:
    """The summary of ``course``'s questionnaire: one query for the counts, one more for the
    comments when ``with_comments`` (the caller has asked ``may_read_comments``)."""
    answers = QuestionnaireAnswer.objects.filter(course=course)
    rows = list(
        answers.values("understanding", "satisfaction", "reach_out")
        .annotate(n=Count("pk"))
        .order_by()
    )
    questions = []
    for name, choices in QUESTIONS:
        totals: dict[str, int] = {}
        for row in rows:
            totals[row[name]] = totals.get(row[name], 0) + row["n"]
        questions.append(
            QuestionCounts(
                name=name,
                label=str(QuestionnaireAnswer._meta.get_field(name).verbose_name),
                choices=tuple(
                    ChoiceCount(value=value, label=str(label), count=totals.get(value, 0))
                    for value, label in choices.choices
                ),
            )
        )
    summary = QuestionnaireSummary(
        responses=sum(row["n"] for row in rows),
        positive=sum(row["n"] for row in rows if row["understanding"] in POSITIVE_UNDERSTANDING),
        questions=tuple(questions),
        is_open=questionnaire_is_open(course, now or timezone.now()),
        closes_at=timezone.localtime(questionnaire_closes_at(course)),
    )
    if with_comments:
        summary.comments_shown = True
        summary.comments = list(
            answers.exclude(comment="").order_by("pk").values_list("comment", flat=True)
        )
    return summary
