"""Writes of the scorm app: storing a package, and each commit of a learner's attempt.

A commit that passes or completes the package completes the course through the courses app's
own service (``enrollment_try_complete_course``), in the same transaction, so certificates,
受講率 and reminders follow as for any other course, and a second commit completes nothing more.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Completion, CoursePage
from courses.services import enrollment_start, enrollment_try_complete_course
from organizations.models import Learner

from .cmi import Commit
from .packages import PackageInfo, extract_entries
from .records import LessonStatus, ScormAttempt, ScormPackage

DONE_STATUSES = frozenset({LessonStatus.PASSED, LessonStatus.COMPLETED})
# The requirement this app adds to a course with a SCORM page (scorm.hooks), met by a commit.
REQUIREMENT = "scorm"


def package_storage():
    """The private storage the unpacked packages live in."""
    return storages["scorm_packages"]


def _delete_files(prefix: str, names) -> None:
    storage = package_storage()
    for name in names:
        storage.delete(f"{prefix}/{name}")


def package_create(*, upload, info: PackageInfo, title: str = "", uploaded_by=None) -> ScormPackage:
    """Unpack an inspected package (``scorm.packages.inspect_package``) into private storage
    under a new random prefix and record it. Should unpacking fail half-way, what was written
    is removed again and nothing is recorded."""
    prefix = secrets.token_hex(16)
    storage = package_storage()
    written = []
    try:
        for path, chunks in extract_entries(upload):
            storage.save(f"{prefix}/{path}", ContentFile(b"".join(chunks)))
            written.append(path)
        with transaction.atomic():
            return ScormPackage.objects.create(
                title=title.strip() or info.title or upload.name,
                file_name=upload.name[:255],
                storage_prefix=prefix,
                launch_path=info.launch_path,
                launch_query=info.launch_query,
                launch_data=info.launch_data,
                schema_version=info.schema_version,
                mastery_score=info.mastery_score,
                file_count=info.file_count,
                unpacked_bytes=info.unpacked_bytes,
                uploaded_by=uploaded_by,
            )
    except BaseException:
        _delete_files(prefix, written)
        raise


def _walk(storage, folder: str):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


def package_files_delete(*, prefix: str) -> None:
    """Remove a deleted package's files from storage once the deletion has committed."""

    def remove():
        storage = package_storage()
        try:
            names = list(_walk(storage, prefix))
        except FileNotFoundError:
            return
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove)


@transaction.atomic
def attempt_start(*, learner: Learner, package: ScormPackage, course: CoursePage) -> ScormAttempt:
    """The learner's attempt at ``package`` (made on their first launch), with a fresh session
    key for this launch; the course counts as started (受講中)."""
    enrollment_start(learner=learner, course=course)
    try:
        with transaction.atomic():
            attempt, _created = ScormAttempt.objects.get_or_create(learner=learner, package=package)
    except IntegrityError:
        attempt = ScormAttempt.objects.get(learner=learner, package=package)
    return attempt


def new_session_key() -> str:
    """A key for one launch, sent back with its commits (see ``attempt_commit``)."""
    return secrets.token_hex(16)


def attempt_is_done(attempt: ScormAttempt, package: ScormPackage) -> bool:
    """Passed or completed, and at least the manifest's mastery score when it gives one."""
    if attempt.lesson_status not in DONE_STATUSES:
        return False
    if package.mastery_score is None:
        return True
    return attempt.score_raw is not None and attempt.score_raw >= package.mastery_score


@transaction.atomic
def attempt_commit(
    *,
    learner: Learner,
    package: ScormPackage,
    course: CoursePage,
    session_key: str,
    commit: Commit,
) -> tuple[ScormAttempt, Completion | None]:
    """Store one commit (already checked by ``scorm.cmi.parse_commit``) and, when the package
    is now passed or completed, complete the course (once: later commits find it completed).

    ``cmi.core.session_time`` is the time of the current launch so far, sent again with every
    commit: the total grows by what it grew since the launch's previous commit.
    """
    attempt = _locked_attempt(learner, package)
    fields = ["updated_at"]
    for name in ("lesson_status", "suspend_data", "lesson_location"):
        value = getattr(commit, name)
        if value is not None:
            setattr(attempt, name, value)
            fields.append(name)
    for name in ("score_raw", "score_min", "score_max"):
        if commit.sent(name):
            setattr(attempt, name, getattr(commit, name))
            fields.append(name)
    if commit.session_seconds is not None:
        previous = attempt.session_seconds if attempt.session_key == session_key else Decimal(0)
        attempt.total_seconds += max(Decimal(0), commit.session_seconds - previous)
        attempt.session_key = session_key
        attempt.session_seconds = commit.session_seconds
        fields += ["total_seconds", "session_key", "session_seconds"]
    completion = None
    if attempt.completed_at is None and attempt_is_done(attempt, package):
        attempt.completed_at = timezone.now()
        fields.append("completed_at")
    attempt.save(update_fields=fields)
    if attempt.completed_at is not None:
        completion, _created = enrollment_try_complete_course(
            learner=learner, course=course, met=(REQUIREMENT,)
        )
    return attempt, completion


def _locked_attempt(learner: Learner, package: ScormPackage) -> ScormAttempt:
    try:
        with transaction.atomic():
            ScormAttempt.objects.get_or_create(learner=learner, package=package)
    except IntegrityError:
        pass  # made by a simultaneous commit
    return ScormAttempt.objects.select_for_update().get(learner=learner, package=package)


@transaction.atomic
def package_rename(*, package: ScormPackage, title: str) -> ScormPackage:
    """Change the title editors and learners see (the files stay as they are)."""
    package.title = title.strip()[:200]
    package.save(update_fields=["title"])
    return package
