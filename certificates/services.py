"""Writes of certificates: issue (the only way one is made), confirm the name, reissue, revoke.

Each is one transaction. Numbering locks the per-course, per-year counter row, so serial
numbers have no gaps and no duplicates however many completions happen at once.
"""

from django.db import connection, transaction
from django.utils import timezone
from wagtail.log_actions import log

from courses import services as course_services
from courses.models import Completion

from .models import Certificate, CertificateEvent, SerialCounter
from .signals import certificate_revoked


class CertificateError(Exception):
    """A request the certificate refuses; the message is shown to the user."""


def _next_number(course_code: str, fiscal_year: int) -> int:
    """The next serial number of (course, fiscal year), in the caller's transaction.

    One upsert: it creates the counter at 1 or adds 1, and holds the counter row's lock until
    the transaction ends (on PostgreSQL ``ON CONFLICT DO UPDATE`` locks the row; SQLite
    serialises writing transactions), so numbers have no gaps and no duplicates.
    """
    quote = connection.ops.quote_name
    table = quote(SerialCounter._meta.db_table)
    last = quote("last_number")
    # Identifiers come from the model, never from input; values are parameters.
    sql = (
        f"INSERT INTO {table} ({quote('course_code')}, {quote('fiscal_year')}, {last}) "  # noqa: S608
        f"VALUES (%s, %s, 1) "
        f"ON CONFLICT ({quote('course_code')}, {quote('fiscal_year')}) "
        f"DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [course_code, fiscal_year])
        return cursor.fetchone()[0]


def format_serial(course_code: str, fiscal_year: int, number: int) -> str:
    return f"{course_code}-{fiscal_year}-{number:08d}"


# No savepoint when nested (the completing transaction): nothing here is rolled back on its own.
@transaction.atomic(savepoint=False)
def certificate_issue(*, completion: Completion, completion_is_new: bool = False) -> Certificate:
    """Issue the certificate of ``completion`` (once; a second call returns the first).

    ``completion_is_new``: the completion was made in this transaction (``course_completed``),
    so it cannot have a certificate yet and none is looked up.
    """
    if not completion_is_new:
        existing = Certificate.objects.filter(completion=completion).first()
        if existing is not None:
            return existing
    course_code = completion.course.course_code
    number = _next_number(course_code, completion.fiscal_year)
    learner = completion.learner
    certificate = Certificate.objects.create(
        completion=completion,
        serial=format_serial(course_code, completion.fiscal_year, number),
        course_code=course_code,
        fiscal_year=completion.fiscal_year,
        sequence=number,
        name_printed=learner.display_name if learner else "",
        issued_at=completion.completed_at,
    )
    CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.ISSUED)
    # The admin history (Wagtail log entries); never a name in it: names go when people go.
    log(
        certificate,
        "tsunagari.certificate.issue",
        user=learner.user if learner and learner.user_id else None,
    )
    return certificate


@transaction.atomic
def certificate_confirm_details(
    *, certificate: Certificate, learner, name: str, municipality, attendee_type: str
) -> Certificate:
    """The learner chooses the name to print and confirms their area, once, before the first
    download. Their profile and the completion's area (for statistics) follow the choice."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.completion.learner_id != learner.pk:
        raise CertificateError("not your certificate")
    if certificate.name_confirmed_at is not None:
        raise CertificateError("already confirmed")
    from organizations.services import learner_update_profile

    learner_update_profile(
        learner=learner,
        municipality=municipality,
        attendee_type=attendee_type,
        display_name=name,
    )
    course_services.completion_set_area(
        completion=certificate.completion, municipality=municipality, attendee_type=attendee_type
    )
    certificate.name_printed = name.strip()
    certificate.name_confirmed_at = timezone.now()
    certificate.save(update_fields=["name_printed", "name_confirmed_at"])
    CertificateEvent.objects.create(
        certificate=certificate, kind=CertificateEvent.Kind.NAME_CONFIRMED
    )
    log(certificate, "tsunagari.certificate.name_confirm", user=learner.user)
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, name: str, user) -> Certificate:
    """Correct the printed name: same serial and code, a new version, the change logged."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        raise CertificateError("revoked")
    old = certificate.name_printed
    certificate.name_printed = name.strip()
    certificate.version += 1
    certificate.name_confirmed_at = certificate.name_confirmed_at or timezone.now()
    certificate.save(update_fields=["name_printed", "version", "name_confirmed_at"])
    CertificateEvent.objects.create(
        certificate=certificate,
        kind=CertificateEvent.Kind.REISSUED,
        user=user,
        detail={
            "old_name": old,
            "new_name": certificate.name_printed,
            "version": certificate.version,
        },
    )
    log(
        certificate,
        "tsunagari.certificate.reissue",
        user=user,
        data={"version": certificate.version},
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, user) -> Certificate:
    """Revoke with a reason; verification shows it as revoked from then on."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        return certificate
    if not reason.strip():
        raise CertificateError("reason required")
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason.strip()
    certificate.save(update_fields=["revoked_at", "revoke_reason"])
    CertificateEvent.objects.create(
        certificate=certificate,
        kind=CertificateEvent.Kind.REVOKED,
        user=user,
        detail={"reason": certificate.revoke_reason},
    )
    # The reason is internal: it stays on the certificate, not in the shared history.
    log(certificate, "tsunagari.certificate.revoke", user=user)
    certificate_revoked.send(sender=Certificate, certificate=certificate)
    return certificate
