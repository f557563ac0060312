"""What the courses app adds to other apps' features through Wagtail hooks."""

from django.template.loader import render_to_string

from courses.ruby import strip_ruby

from .queries import assignments_for_learner
from .records import Completion, Enrollment, ReflectionNote, StaffAssignee
from .validity_reports import history_for_learner


def learning_records_export(learner) -> dict:
    """The learner's enrollments, lesson progress, completions and saved 個人ワーク answers."""
    enrollments = []
    for enrollment in Enrollment.objects.filter(learner=learner).select_related("course"):
        enrollments.append(
            {
                "course": strip_ruby(enrollment.course.title),
                "started_at": enrollment.started_at.isoformat(),
                "completed_at": enrollment.completed_at.isoformat()
                if enrollment.completed_at
                else None,
                "lessons": [
                    {
                        "lesson": strip_ruby(progress.lesson.title),
                        "started_at": progress.started_at.isoformat(),
                        "completed_at": progress.completed_at.isoformat()
                        if progress.completed_at
                        else None,
                        "seconds_spent": progress.seconds_spent,
                    }
                    for progress in enrollment.lesson_progress.select_related("lesson")
                ],
            }
        )
    return {
        "enrollments": enrollments,
        "completions": [
            {"course": strip_ruby(c.course.title), "completed_on": c.completed_on.isoformat()}
            for c in Completion.objects.filter(learner=learner).select_related("course")
        ],
        "staff_assignments": [
            {
                "course": strip_ruby(row.assignment.course.title),
                "due_on": row.assignment.due_on.isoformat(),
                "assigned_on": row.assigned_on.isoformat(),
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            }
            for row in StaffAssignee.objects.filter(staff_member__learner=learner).select_related(
                "assignment__course"
            )
        ],
        "reflections": [
            {
                "lesson": strip_ruby(note.lesson.title),
                "text": note.text,
                "saved_at": note.updated_at.isoformat(),
            }
            for note in ReflectionNote.objects.filter(learner=learner).select_related("lesson")
        ],
    }


def my_assignments_section(request, learner) -> str:
    """The staff member's assigned training, most urgent first (on /my/ and the home page)."""
    items = assignments_for_learner(learner)
    if not items:
        return ""
    return render_to_string("courses/my_assignments.html", {"items": items}, request=request)


def my_training_history_section(request, learner) -> str:
    """The staff member's own 受講履歴 (on /my/): each staff course completed, over the
    years, with its certificate and until when it is valid."""
    if learner is None or learner.user_id is None:
        return ""
    entries = history_for_learner(learner.pk)
    if not entries:
        return ""
    return render_to_string(
        "courses/my_training_history.html", {"entries": entries}, request=request
    )
