"""What the scorm app tells the courses app, through Wagtail hooks."""

from django.utils.translation import gettext as _

from base.page_cache import memoized
from courses.models import Audience
from courses.outline import OutlineItem
from courses.ruby import strip_ruby
from organizations.learners import current_learner

from .models import ScormPage
from .records import LessonStatus, ScormAttempt
from .services import REQUIREMENT


def _page_of(course):
    """The course's live SCORM page, read once per page-cache generation; only staff courses
    can have one, so other courses cost no query."""
    if course.audience != Audience.STAFF:
        return None
    return memoized(
        ("scorm_page", course.pk), lambda: ScormPage.objects.live().child_of(course).first()
    )


def scorm_requirement(enrollment, met=frozenset()) -> list[str]:
    """A course with a SCORM page is complete only once its package is passed or completed."""
    if REQUIREMENT in met or REQUIREMENT in getattr(enrollment, "met_requirements", ()):
        return []
    page = _page_of(enrollment.course)
    if page is None:
        return []
    done = ScormAttempt.objects.filter(
        learner_id=enrollment.learner_id, package_id=page.package_id, completed_at__isnull=False
    ).exists()
    return [] if done else [REQUIREMENT]


def scorm_is_content(course) -> bool:
    """A course whose content is a SCORM package needs no lessons of its own."""
    return _page_of(course) is not None


def scorm_outline_item(request, course) -> list[OutlineItem]:
    """The course page lists the SCORM package with the learner's status."""
    page = _page_of(course)
    if page is None:
        return []
    learner = current_learner(request)
    attempt = (
        ScormAttempt.objects.filter(learner=learner, package_id=page.package_id).first()
        if learner is not None
        else None
    )
    done = attempt is not None and attempt.completed_at is not None
    if attempt is None:
        status = LessonStatus.NOT_ATTEMPTED.label
    else:
        status = LessonStatus(attempt.lesson_status).label
    return [
        OutlineItem(
            title=page.title,
            url=page.url,
            status=str(status),
            done=done,
            action_label=_("教材を見直す") if done else _("教材を開く"),
            required=True,
            description=_("最後まで進めると修了です（研修が割り当てられた職員の方向け）。"),
        )
    ]


def scorm_attempts_export(learner) -> dict:
    """The learner's SCORM records: status, score, time and where they left off."""
    return {
        "scorm_attempts": [
            {
                "package": strip_ruby(attempt.package.title),
                "lesson_status": attempt.lesson_status,
                "score_raw": None if attempt.score_raw is None else str(attempt.score_raw),
                "score_min": None if attempt.score_min is None else str(attempt.score_min),
                "score_max": None if attempt.score_max is None else str(attempt.score_max),
                "total_seconds": str(attempt.total_seconds),
                "lesson_location": attempt.lesson_location,
                "suspend_data": attempt.suspend_data,
                "started_at": attempt.started_at.isoformat(),
                "updated_at": attempt.updated_at.isoformat(),
                "completed_at": attempt.completed_at.isoformat() if attempt.completed_at else None,
            }
            for attempt in ScormAttempt.objects.filter(learner=learner).select_related("package")
        ]
    }
