"""The quiz page: intro and start, the questions of the attempt in progress, the result."""

import math
import uuid

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from courses.outline import outline_items
from organizations.learners import current_learner, learner_for_update

from . import services
from .labels import choice_label
from .queries import has_passed
from .records import REVIEW_ORDER, Attempt, Choice, ReviewLevel
from .tokens import choice_token


def _questions_for(attempt: Attempt) -> list[dict]:
    """The attempt's questions with their choices in the order drawn, each choice named by its
    opaque token of this attempt (no ids, no correct flags)."""
    answers = list(attempt.answers.select_related("question", "question__image"))
    choice_ids = [cid for answer in answers for cid in answer.choice_order]
    texts = dict(Choice.objects.filter(pk__in=choice_ids).values_list("pk", "text"))
    return [
        {
            "number": answer.position,
            "question": answer.question,
            "multiple": answer.question.kind == "multiple",
            "choices": [
                (choice_token(attempt.public_id, cid), choice_label(answer.question, texts[cid]))
                for cid in answer.choice_order
                if cid in texts
            ],
        }
        for answer in answers
    ]


def _tokens_from(post) -> dict[int, list[str]]:
    """Question id → the choice tokens ticked, from ``q-<question id>`` fields."""
    tokens = {}
    for key in post:
        if not key.startswith("q-"):
            continue
        try:
            question_id = int(key[2:])
        except ValueError as exc:
            raise services.InvalidSubmission(_("回答の形式が正しくありません。")) from exc
        values = [value for value in post.getlist(key) if value]
        if any(len(value) > 64 for value in values):
            raise services.InvalidSubmission(_("回答の形式が正しくありません。"))
        tokens[question_id] = values
    return tokens


def quiz_view(request, quiz):
    learner = current_learner(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            try:
                services.attempt_start(learner=learner_for_update(request), quiz=quiz)
            except services.AttemptNotAllowed as exc:
                messages.error(request, str(exc))
            return redirect(quiz.url)
        if action == "submit":
            return _submit(request, quiz, learner)
        return _error(request, quiz, _("不正な操作です。"))

    open_attempt = None
    if learner is not None:
        open_attempt = Attempt.objects.filter(
            quiz=quiz, learner=learner, submitted_at__isnull=True
        ).first()
    if open_attempt is not None:
        return _render_questions(request, quiz, open_attempt)
    history = []
    if learner is not None:
        history = list(
            Attempt.objects.filter(quiz=quiz, learner=learner, submitted_at__isnull=False)
            .annotate(
                question_total=Count("answers"),
                correct_total=Count("answers", filter=Q(answers__is_correct=True)),
            )
            .order_by("-submitted_at")
        )
    return TemplateResponse(
        request,
        "quizzes/quiz_page.html",
        {
            "page": quiz,
            "course": quiz.course,
            "eligibility": services.eligibility(learner=learner, quiz=quiz),
            "history": history,
            "question_count": quiz.questions_per_attempt
            or quiz.questions.filter(is_active=True).count(),
        },
    )


def _render_questions(request, quiz, attempt, *, selections=None, missing=(), status=200):
    return TemplateResponse(
        request,
        "quizzes/quiz_attempt.html",
        {
            "page": quiz,
            "course": quiz.course,
            "attempt": attempt,
            "questions": _questions_for(attempt),
            "selections": selections or {},
            "missing": set(missing),
        },
        status=status,
    )


def _error(request, quiz, message, status=400):
    return TemplateResponse(
        request,
        "quizzes/quiz_error.html",
        {"page": quiz, "course": quiz.course, "message": message},
        status=status,
    )


def _submit(request, quiz, learner):
    if learner is None:
        return _error(request, quiz, _("この受験は見つかりません。最初からやり直してください。"))
    try:
        attempt_id = uuid.UUID(request.POST.get("attempt", ""))
    except ValueError:
        return _error(request, quiz, _("この受験は見つかりません。"))
    try:
        selections = _tokens_from(request.POST)
        attempt, _graded = services.attempt_submit(
            learner=learner, attempt_id=attempt_id, tokens=selections, quiz=quiz
        )
    except services.IncompleteSubmission as exc:
        attempt = Attempt.objects.get(public_id=attempt_id, learner=learner)
        return _render_questions(
            request, quiz, attempt, selections=selections, missing=exc.missing, status=400
        )
    except services.InvalidSubmission as exc:
        return _error(request, quiz, str(exc))
    result = quiz.reverse_subpage("result", kwargs={"attempt_id": attempt.public_id})
    return redirect(quiz.url + result)


def result_view(request, quiz, attempt_id):
    learner = current_learner(request)
    attempt = (
        Attempt.objects.filter(
            quiz=quiz, public_id=attempt_id, learner=learner, submitted_at__isnull=False
        ).first()
        if learner is not None
        else None
    )
    if attempt is None:
        raise Http404
    eligibility = services.eligibility(learner=learner, quiz=quiz)
    # The answer key helps nobody pass without reading once the learner passed or has no
    # attempt left; until then the quiz's review setting for a failure applies.
    final = (
        attempt.passed
        or has_passed(learner, quiz)
        or bool(quiz.attempt_limit and eligibility.attempts_used >= quiz.attempt_limit)
    )
    level = REVIEW_ORDER.index(quiz.review_level(final=final))
    review = {
        "marks": level >= REVIEW_ORDER.index(ReviewLevel.MARKS),
        "explanations": level >= REVIEW_ORDER.index(ReviewLevel.EXPLANATIONS),
        "answer_key": level >= REVIEW_ORDER.index(ReviewLevel.ANSWER_KEY),
    }
    # Promise the key for later only when the quiz will show it then.
    review["key_later"] = (
        not final and not review["answer_key"] and quiz.review_after_final == ReviewLevel.ANSWER_KEY
    )
    answers = list(
        attempt.answers.select_related("question", "question__review_lesson").prefetch_related(
            "question__choices", "selected_choices"
        )
    )
    review_lessons = []
    for answer in answers:
        lesson = answer.question.review_lesson
        if not answer.is_correct and lesson is not None and lesson not in review_lessons:
            review_lessons.append(lesson)
        # The choices in the order the learner saw them, labelled as they were shown.
        position = {cid: i for i, cid in enumerate(answer.choice_order)}
        selected = {choice.pk for choice in answer.selected_choices.all()}
        answer.shown_choices = [
            {
                "label": choice_label(answer.question, choice.text),
                "correct": choice.is_correct,
                "selected": choice.pk in selected,
            }
            for choice in sorted(
                answer.question.choices.all(), key=lambda c: position.get(c.pk, len(position))
            )
        ]
        answer.selected_labels = [c["label"] for c in answer.shown_choices if c["selected"]]
    review_lessons.sort(key=lambda lesson: lesson.path)
    course = quiz.course
    enrollment = course.enrollments.filter(learner=learner).first()
    total = len(answers)
    questionnaire = quiz.course_questionnaire()
    next_steps = [
        item for item in outline_items(request, course) if not item.done and item.url != quiz.url
    ]
    # The certificate (or whatever is still required) first; the questionnaire is an
    # optional favour and comes last.
    next_steps.sort(key=lambda item: questionnaire is not None and item.url == questionnaire.url)
    return TemplateResponse(
        request,
        "quizzes/quiz_result.html",
        {
            "page": quiz,
            "course": course,
            "attempt": attempt,
            "answers": answers,
            "review": review,
            "total": total,
            "correct_count": sum(1 for a in answers if a.is_correct),
            "partial_count": sum(1 for a in answers if not a.is_correct and a.score),
            "needed": math.ceil(quiz.pass_mark * total / 100),
            "review_lessons": review_lessons,
            "course_completed": bool(enrollment and enrollment.completed_at),
            "next_steps": next_steps,
            "eligibility": eligibility,
        },
    )
