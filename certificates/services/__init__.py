"""Writes of certificates: issue (the only way one is made), confirm the name, reissue, revoke.
The bulk exports' writes are in ``certificates.services.exports``.

Each is one transaction. Numbering locks the per-course, per-year counter row, so serial
numbers have no gaps and no duplicates however many completions happen at once.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from wagtail.log_actions import log

from base.wagtail_adapter import log_without_lookups
from courses import services as course_services
from courses.models import Completion
from organizations.services import learner_update_profile

from .. import status_list
from ..models import Certificate, CertificateEvent, SerialCounter
from ..rendering import forget_cached_pdf
from ..signals import certificate_revoked


class CertificateError(Exception):
    """A request the certificate refuses; the message is shown to the user."""


def _next_number(course_code: str, fiscal_year: int) -> int:
    """The next serial number of (course, fiscal year), in the caller's transaction.

    One upsert: it creates the counter at 1 or adds 1, and holds the counter row's lock until
    the transaction ends (on PostgreSQL ``ON CONFLICT DO UPDATE`` locks the row; SQLite
    serialises writing transactions), so numbers have no gaps and no duplicates.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_counter_upsert_sql()} RETURNING {_quote('last_number')}", [course_code, fiscal_year]
        )
        return cursor.fetchone()[0]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _counter_upsert_sql() -> str:
    """The serial counter's upsert (parameters: course code, fiscal year)."""
    table = _quote(SerialCounter._meta.db_table)
    last = _quote("last_number")
    # Identifiers come from the model, never from input; values are parameters.
    return (
        f"INSERT INTO {table} ({_quote('course_code')}, {_quote('fiscal_year')}, {last}) "  # noqa: S608
        f"VALUES (%s, %s, 1) "
        f"ON CONFLICT ({_quote('course_code')}, {_quote('fiscal_year')}) "
        f"DO UPDATE SET {last} = {table}.{last} + 1"
    )


def format_serial(course_code: str, fiscal_year: int, number: int) -> str:
    return f"{course_code}-{fiscal_year}-{number:08d}"


# Set in the INSERT from the numbers it takes: the primary key, the serial and the status list's
# place (derived from the key, see ``status_list.assign_position``).
_NUMBERED = ("id", "serial", "sequence", "status_list", "status_list_index")


def _issued_event_sql() -> str:
    """The ``issued`` event of the certificate the ``issued`` CTE wrote (parameter: its time)."""
    table = _quote(CertificateEvent._meta.db_table)
    columns = ", ".join(_quote(c) for c in ("certificate_id", "kind", "at", "user_id", "detail"))
    # Identifiers come from the model, never from input; the time is a parameter.
    return (
        f"event AS (INSERT INTO {table} ({columns}) SELECT {_quote('id')}, "  # noqa: S608
        f"'{CertificateEvent.Kind.ISSUED.value}', %s::timestamptz, NULL, '{{}}'::jsonb "
        f"FROM issued)"
    )


def _insert_numbered(certificate: Certificate, *, with_event: bool = False) -> bool:
    """INSERT ``certificate`` with its serial number and its place in the status list, both
    taken in the INSERT itself, and set them (and its key) on it.

    PostgreSQL: one statement takes the counter, the certificate's key (``nextval``) and
    writes the row, so the counter's row lock, held until the commit, is taken as late as the
    certificate itself and costs no round trip of its own. SQLite (which serialises writing
    transactions anyway): the counter's upsert, then the INSERT, whose key is the one SQLite
    would give it (``AUTOINCREMENT``: past the highest key ever used) and written with it.
    Either way no second UPDATE writes the status-list position afterwards.

    ``with_event``: on PostgreSQL the same statement also writes the certificate's ``issued``
    event (one round trip less); returns whether it did (on SQLite the caller writes it).
    """
    with_event = with_event and connection.vendor == "postgresql"
    opts = Certificate._meta
    fields = [f for f in opts.concrete_fields if f.attname not in _NUMBERED]
    values = [f.get_db_prep_save(f.pre_save(certificate, True), connection) for f in fields]
    table = _quote(opts.db_table)
    columns = ", ".join(_quote(c) for c in (*_NUMBERED, *(f.column for f in fields)))
    prefix = f"{certificate.course_code}-{certificate.fiscal_year}-"
    size = status_list.LIST_SIZE
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Typed, as a SELECT list does not take its types from the columns it fills.
            placeholders = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
            # Identifiers come from the model, never from input; values are parameters.
            insert = (
                f"INSERT INTO {table} ({columns}) SELECT id, %s || CASE WHEN number < 100000000 "  # noqa: S608
                f"THEN lpad(number::text, 8, '0') ELSE number::text END, number, "
                f"(id - 1) / {size} + 1, (id - 1) %% {size}, {placeholders} FROM numbered "
                f"RETURNING {_quote('id')}, {_quote('sequence')}"
            )
            if with_event:
                insert = f", issued AS ({insert}), {_issued_event_sql()} SELECT * FROM issued"  # noqa: S608
            cursor.execute(
                f"WITH counter AS ({_counter_upsert_sql()} RETURNING {_quote('last_number')} "  # noqa: S608
                f"AS number), numbered AS (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS "
                f"id, number FROM counter) {insert}",
                [
                    certificate.course_code,
                    certificate.fiscal_year,
                    opts.db_table,
                    opts.pk.column,
                    prefix,
                    *values,
                    *([timezone.now()] if with_event else []),
                ],
            )
            certificate.pk, certificate.sequence = cursor.fetchone()
        else:
            certificate.sequence = _next_number(certificate.course_code, certificate.fiscal_year)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT n, %s, %s, (n - 1) / {size} + 1, "  # noqa: S608
                f"(n - 1) %% {size}, {placeholders} FROM (SELECT max("
                f"coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"coalesce((SELECT max({_quote('id')}) FROM {table}), 0)) + 1 AS n) "
                f"RETURNING {_quote('id')}",
                [
                    format_serial(
                        certificate.course_code, certificate.fiscal_year, certificate.sequence
                    ),
                    certificate.sequence,
                    *values,
                    opts.db_table,
                ],
            )
            certificate.pk = cursor.fetchone()[0]
    certificate.serial = format_serial(
        certificate.course_code, certificate.fiscal_year, certificate.sequence
    )
    status_list.assign_position(certificate)
    certificate._state.adding = False
    certificate._state.db = connection.alias
    return with_event


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
    learner = completion.learner
    certificate = Certificate(
        completion=completion,
        course_code=completion.course.course_code,
        fiscal_year=completion.fiscal_year,
        name_printed=learner.display_name if learner else "",
        issued_at=completion.completed_at,
    )
    if not _insert_numbered(certificate, with_event=True):
        CertificateEvent.objects.create(certificate=certificate, kind=CertificateEvent.Kind.ISSUED)
    # The admin history (Wagtail log entries); never a name in it: names go when people go.
    # The learner's user is the request's own: no need to read it (or the content type) back.
    log_without_lookups(
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
def certificate_reissue(
    *, certificate: Certificate, name: str, user, source: str = "admin"
) -> Certificate:
    """Correct the printed name: same serial and code, a new version, the change logged.

    ``source``: who asked — ``"admin"`` (the certificate screen) or ``"learner"`` (the
    learner changed 「修了証に印字する氏名」 on /my/profile/)."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        raise CertificateError("revoked")

    forget_cached_pdf(certificate)  # the old name must not linger in the cache
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
            "source": source,
        },
    )
    log(
        certificate,
        "tsunagari.certificate.reissue",
        user=user,
        data={"version": certificate.version},
    )
    return certificate


@dataclass
class ProfileNameResult:
    """What changing the profile name did to the learner's certificates."""

    reissued: list[Certificate] = field(default_factory=list)
    revoked: list[Certificate] = field(default_factory=list)


@transaction.atomic
def certificates_follow_profile_name(*, learner, user=None) -> ProfileNameResult:
    """The learner changed the name to print on /my/profile/: their received certificates are
    reissued with it (same serial and code, a new version, logged), revoked ones are left as
    they are, and ones not yet received simply take the new name (it is confirmed on receipt).
    """
    result = ProfileNameResult()
    name = learner.display_name.strip()
    certificates = (
        Certificate.objects.select_for_update()
        .filter(completion__learner=learner, name_withheld=False)
        .order_by("issued_at", "pk")
    )
    for certificate in certificates:
        if certificate.name_printed == name:
            continue
        if certificate.is_revoked:
            result.revoked.append(certificate)
        elif certificate.name_confirmed_at is None:
            certificate.name_printed = name
            certificate.save(update_fields=["name_printed"])
        else:
            result.reissued.append(
                certificate_reissue(certificate=certificate, name=name, user=user, source="learner")
            )
    return result


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


WITHHELD = "（削除済み）"
NAME_KEYS = ("old_name", "new_name")


def _without_names(text: str, names: set[str]) -> str:
    # Longest first, so that "山田 花子" goes before "山田" leaves " 花子" behind.
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, WITHHELD)
    return text


@transaction.atomic
def certificate_withhold_names(*, learner) -> int:
    """Remove a deleted learner's names from their certificates and everything copied from
    them: the printed name, the names logged by reissues, administrators' free-text revocation
    reasons that quote a name, and the cached PDFs. The certificates stay verifiable (serial,
    course, date). Returns how many certificates were changed."""

    certificates = list(
        Certificate.objects.select_for_update()
        .filter(completion__learner=learner)
        .select_related("completion__course")
    )
    events = list(CertificateEvent.objects.filter(certificate__in=certificates))
    names = {learner.display_name, *(c.name_printed for c in certificates)}
    for event in events:
        names.update(str(event.detail.get(key, "")) for key in NAME_KEYS)
    # Also as typed without the space between family and given name.
    names = {n.strip() for n in names} | {"".join(n.split()) for n in names}
    names = {n for n in names if len(n) >= 2}
    for certificate in certificates:
        forget_cached_pdf(certificate)
        certificate.name_printed = ""
        certificate.name_withheld = True
        certificate.revoke_reason = _without_names(certificate.revoke_reason, names)
    Certificate.objects.bulk_update(
        certificates, ["name_printed", "name_withheld", "revoke_reason"]
    )
    for event in events:
        detail = dict(event.detail)
        for key in NAME_KEYS:
            if key in detail:
                detail[key] = ""
                detail["name_withheld"] = True
        if "reason" in detail:
            detail["reason"] = _without_names(str(detail["reason"]), names)
        event.detail = detail
    CertificateEvent.objects.bulk_update(events, ["detail"])
    return len(certificates)
