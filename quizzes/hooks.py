"""What the quizzes app tells the courses app, through Wagtail hooks."""

from django.utils.translation import gettext as _

from courses.models import Enrollment
from courses.outline import OutlineItem
from courses.ruby import strip_ruby
from courses.wording import for_course
from organizations.learners import current_learner

from .models import Attempt, QuestionnairePage, QuizPage
from .queries import has_passed


def quiz_requirement(enrollment, met: frozenset[str]) -> list[str]:
    """A course that requires its quiz is not complete until the learner passed it."""
    course = enrollment.course
    if not course.quiz_required:
        return []
    # Passed in the completing transaction itself (``quizzes.services.attempt_submit``).
    if "quiz" in met:
        return []
    quiz = QuizPage.of_course(course)
    if quiz is None or has_passed(enrollment.learner_id, quiz):
        return []
    return ["quiz"]


def quiz_outline_item(request, course) -> list[OutlineItem]:
    """The course page lists the quiz after the lessons, with the learner's status."""
    quiz = QuizPage.of_course(course)
    if quiz is None:
        return []
    learner = current_learner(request)
    # One query for both: whether the learner passed, and whether they tried at all (before a
    # first try the quiz is 「未受験」, not 「未合格」).
    results = (
        set(
            Attempt.objects.filter(
                quiz=quiz, learner=learner, submitted_at__isnull=False
            ).values_list("passed", flat=True)
        )
        if learner is not None
        else set()
    )
    passed = True in results
    if course.quiz_required:
        description = for_course(course, "step_quiz_required", _("合格すると修了です。"))
    else:
        description = for_course(
            course,
            "step_quiz_optional",
            _("理解度を確かめるためのテストです（修了の条件ではありません）。"),
        )
    return [
        OutlineItem(
            title=quiz.title,
            url=quiz.url,
            status=for_course(course, "step_passed", _("合格"))
            if passed
            else (
                for_course(course, "step_not_passed", _("未合格"))
                if results
                else for_course(course, "step_not_tried", _("未受験"))
            ),
            done=passed,
            action_label=for_course(course, "step_quiz_review", _("結果を見る・もう一度受ける"))
            if passed
            else for_course(course, "step_quiz_go", _("確認テストへ進む")),
            required=course.quiz_required,
            description=description,
        )
    ]


def quiz_attempts_export(learner) -> dict:
    """The learner's quiz attempts: when, score and result (not the answers' correct keys)."""
    attempts = Attempt.objects.filter(learner=learner, submitted_at__isnull=False)
    return {
        "quiz_attempts": [
            {
                "quiz": strip_ruby(attempt.quiz.get_parent().title),
                "submitted_at": attempt.submitted_at.isoformat(),
                "score_percent": float(attempt.score_percent),
                "passed": attempt.passed,
            }
            for attempt in attempts.select_related("quiz")
        ]
    }


def questionnaire_outline_item(request, course) -> list[OutlineItem]:
    """After completing, learners are invited to the course questionnaire (optional)."""
    questionnaire = QuestionnairePage.of_course(course)
    learner = current_learner(request)
    if questionnaire is None or learner is None:
        return []
    if not Enrollment.objects.filter(
        learner=learner, course=course, completed_at__isnull=False
    ).exists():
        return []
    answered = bool(request.session.get(questionnaire.session_key()))
    return [
        OutlineItem(
            title=questionnaire.title,
            url=questionnaire.url,
            status=for_course(
                course,
                "step_questionnaire_answered",
                _("回答済み・ご協力ありがとうございました"),
            )
            if answered
            else for_course(course, "step_questionnaire_optional", _("任意")),
            done=answered,
            action_label=for_course(course, "step_questionnaire_answer", _("アンケートに答える"))
            if not answered
            else for_course(course, "step_questionnaire_view", _("アンケートを見る")),
            required=False,
            description=for_course(
                course,
                "step_questionnaire_about",
                _("講座をよりよくするため、匿名のアンケートにご協力ください（1分ほど）。"),
            ),
        )
    ]
