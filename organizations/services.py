"""Writes of the organizations app: one transaction each, the only way these writes happen."""

import csv
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from base.bulk import insert_instances, insert_rows

from .invitations import invitation_message
from .models import (
    AttendeeType,
    Department,
    Learner,
    ManagerDelegation,
    Municipality,
    Prefecture,
    RosterSyncRun,
    StaffMember,
    StaffTransfer,
    hash_learner_token,
)
from .signals import learner_deleting, learner_merging, roster_imported
from .units import department_path_names

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class MunicipalityImportResult:
    prefectures_created: int = 0
    municipalities_created: int = 0
    municipalities_updated: int = 0
    municipalities_unchanged: int = 0

    @property
    def municipalities_total(self) -> int:
        return (
            self.municipalities_created
            + self.municipalities_updated
            + self.municipalities_unchanged
        )


def _read_csv(path: Path) -> list[dict[str, str]]:
    # The files start with a BOM; utf-8-sig strips it so the first header is "pid".
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _kind(name: str, is_ward: bool) -> str:
    if is_ward:
        return Municipality.Kind.WARD
    last = name[-1]
    return {
        "市": Municipality.Kind.CITY,
        "区": Municipality.Kind.SPECIAL_WARD,
        "町": Municipality.Kind.TOWN,
        "村": Municipality.Kind.VILLAGE,
    }[last]


@transaction.atomic
def municipalities_import(
    *, prefectures_csv: Path | None = None, municipalities_csv: Path | None = None
) -> MunicipalityImportResult:
    """Load (or bring up to date) all prefectures and local governments from the data files.

    Idempotent: rows are matched by official code, changed names are updated, nothing is deleted
    (municipalities are referenced by learners and statistics).
    """
    prefectures_csv = prefectures_csv or DATA_DIR / "prefjp-utf8.csv"
    municipalities_csv = municipalities_csv or DATA_DIR / "localgovjp-utf8.csv"
    result = MunicipalityImportResult()

    existing_prefs = set(Prefecture.objects.values_list("code", flat=True))
    for row in _read_csv(prefectures_csv):
        code = f"{int(row['pid']):02d}"
        values = {
            "lgcode": row["lgcode"].zfill(6),
            "name": row["pref"],
            "name_kana": row["prefkana"],
            "name_en": row["pref_en"],
        }
        Prefecture.objects.update_or_create(code=code, defaults=values)
        result.prefectures_created += code not in existing_prefs

    rows = _read_csv(municipalities_csv)
    existing = {m.code: m for m in Municipality.objects.all()}
    # Cities come before their wards in the file, but do not rely on it: two passes.
    wanted = {}
    city_by_name = {}
    for row in rows:
        code = row["lgcode"].zfill(6)
        full_name = row["city"].strip()
        is_ward = " " in full_name
        city_name = full_name.split(" ")[0] if is_ward else None
        wanted[code] = {
            "prefecture_id": f"{int(row['pid']):02d}",
            "name": full_name.replace(" ", ""),
            "name_kana": row["citykana"].replace(" ", ""),
            "kind": _kind(full_name, is_ward),
            "city_name": city_name,
        }
        if not is_ward:
            city_by_name[(wanted[code]["prefecture_id"], full_name)] = code

    to_create = []
    for code, values in wanted.items():
        if code not in existing:
            to_create.append(
                Municipality(
                    code=code,
                    prefecture_id=values["prefecture_id"],
                    name=values["name"],
                    name_kana=values["name_kana"],
                    kind=values["kind"],
                )
            )
    insert_instances(to_create)  # the primary keys are read back by code just below
    result.municipalities_created = len(to_create)
    created_codes = {m.code for m in to_create}
    id_by_code = dict(Municipality.objects.values_list("code", "id"))

    to_update = []
    fields = ["prefecture_id", "name", "name_kana", "kind", "parent_id"]
    for municipality in Municipality.objects.filter(code__in=wanted.keys()):
        values = wanted[municipality.code]
        parent_code = (
            city_by_name.get((values["prefecture_id"], values["city_name"]))
            if values["city_name"]
            else None
        )
        target = {
            "prefecture_id": values["prefecture_id"],
            "name": values["name"],
            "name_kana": values["name_kana"],
            "kind": values["kind"],
            "parent_id": id_by_code.get(parent_code) if parent_code else None,
        }
        if any(getattr(municipality, f) != v for f, v in target.items()):
            for f, v in target.items():
                setattr(municipality, f, v)
            to_update.append(municipality)
            if municipality.code not in created_codes:
                result.municipalities_updated += 1
        elif municipality.code not in created_codes:
            result.municipalities_unchanged += 1
    Municipality.objects.bulk_update(to_update, fields, batch_size=500)
    return result


@transaction.atomic
def learner_update_profile(
    *,
    learner: Learner,
    municipality: Municipality | None,
    attendee_type: str,
    display_name: str = "",
    department: Department | None = None,
) -> Learner:
    """Save what a learner chose about themselves (all optional, all used for statistics only)."""
    if attendee_type and attendee_type not in AttendeeType.values:
        raise ValueError(f"unknown attendee type {attendee_type!r}")
    learner.municipality = municipality
    learner.attendee_type = attendee_type
    learner.display_name = display_name.strip()
    if department is not None and department.municipality_id != getattr(municipality, "pk", None):
        department = None
    learner.department = department
    learner.save(update_fields=["municipality", "attendee_type", "display_name", "department"])
    return learner


@transaction.atomic
def learner_save_profile(
    *,
    learner: Learner,
    municipality: Municipality | None,
    attendee_type: str,
    display_name: str,
    user=None,
) -> list[str]:
    """The learner edits /my/profile/. When the name to print changes, the apps that printed
    it follow (``learner_display_name_changed`` hooks: certificates are reissued), in the same
    transaction. Returns what they did, as sentences to show the learner."""
    old_name = learner.display_name
    learner_update_profile(
        learner=learner,
        municipality=municipality,
        attendee_type=attendee_type,
        display_name=display_name,
    )
    notes: list[str] = []
    if learner.display_name != old_name:
        for follow in hooks.get_hooks("learner_display_name_changed"):
            notes.extend(follow(learner, user))
    return notes


@transaction.atomic
def learner_attach_to_user(*, learner: Learner, user) -> Learner:
    """Give an anonymous learner's data to ``user``'s account (at login or sign-up).

    When the account has no learner yet, the anonymous one simply becomes it. Otherwise every app
    moves its rows (``learner_merging``), the profile fills gaps, and the anonymous one is deleted.
    """
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    target = Learner.objects.select_for_update().filter(user=user).first()
    if target is None:
        learner.user = user
        learner.token_hash = None
        learner.save(update_fields=["user", "token_hash"])
        return learner
    learner_merging.send(sender=Learner, source=learner, target=target)
    changed = []
    for field in ("municipality", "department", "attendee_type", "display_name"):
        if not getattr(target, field) and getattr(learner, field):
            setattr(target, field, getattr(learner, field))
            changed.append(field)
    if changed:
        target.save(update_fields=changed)
    learner.delete()
    return target


def learner_export(*, learner: Learner) -> dict:
    """Everything kept about one learner, as a JSON-ready document (their right of access).

    Each app that stores learner data adds its part through the ``learner_data_export`` hook.
    """
    document = {
        "learner_id": str(learner.public_id),
        "account": learner.user.get_username() if learner.user_id else None,
        "display_name": learner.display_name,
        "municipality": (
            {"code": learner.municipality.code, "name": learner.municipality.name}
            if learner.municipality_id
            else None
        ),
        "department": learner.department.name if learner.department_id else None,
        "attendee_type": learner.get_attendee_type_display() if learner.attendee_type else None,
        "created_at": learner.created_at.isoformat(),
        "last_seen_at": learner.last_seen_at.isoformat() if learner.last_seen_at else None,
    }
    for contribute in hooks.get_hooks("learner_data_export"):
        document.update(contribute(learner))
    return document


def learner_may_delete_self(learner: Learner) -> bool:
    """Citizens may delete themselves; accounts that administer or are managed by an office
    (staff, administrators) are removed by their administrator instead."""
    user = learner.user
    if user is None:
        return True
    if StaffMember.objects.filter(learner=learner).exists():
        return False  # on a roster: the office deletes them (職員名簿)
    return not (user.is_staff or user.is_superuser or hasattr(user, "admin_scope"))


@transaction.atomic
def learner_delete(*, learner: Learner) -> None:
    """Delete a learner's personal data (and a citizen's account).

    Statistics stay true: completions and quiz attempts are kept without the person (their
    foreign keys are SET_NULL), progress and saved answers go with the learner.
    """
    user = learner.user
    learner_deleting.send(sender=Learner, learner=learner)
    learner.delete()
    if user is not None:
        user.delete()


def learners_purge_inactive(*, days: int | None = None, dry_run: bool = False) -> int:
    """Delete anonymous learners who have not come back for ``days`` (the retention period,
    ``LEARNER_RETENTION_DAYS``). Each learner is deleted in its own transaction, as if they had
    deleted their data themselves. Returns how many were (or would be) deleted."""
    days = settings.LEARNER_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    stale = Learner.objects.filter(user__isnull=True, last_seen_at__lt=cutoff)
    if dry_run:
        return stale.count()
    deleted = 0
    for learner in stale.iterator(chunk_size=500):
        learner_delete(learner=learner)
        deleted += 1
    return deleted


@transaction.atomic
def staff_member_delete(*, staff_member) -> None:
    """Delete a staff member's personal data: the roster entry, their account and learner
    (completions stay in the statistics without the person, as in ``learner_delete``)."""
    learner = staff_member.learner
    staff_member.delete()
    if learner is not None:
        learner_delete(learner=learner)


@transaction.atomic
def staff_member_update(*, staff_member, fields: dict):
    """Correct one staff member between roster imports (name, department, email, status).

    The learner's department and the account's email follow; a move into a department with
    open training assignments assigns them (``roster_imported``)."""
    allowed = {"name", "name_kana", "department", "position", "employment_type", "email", "status"}
    if set(fields) - allowed:
        raise ValueError(f"cannot change {set(fields) - allowed}")
    department = fields.get("department", staff_member.department)
    if department is not None and department.municipality_id != staff_member.municipality_id:
        raise ValidationError({"department": _("別の市区町村の所属は選べません。")})
    from_id = staff_member.department_id
    for name, value in fields.items():
        setattr(staff_member, name, value)
    staff_member.save()
    staff_transfers_record(
        moves=[(staff_member.pk, from_id, staff_member.department_id)],
        source=StaffTransfer.Source.ADMIN,
    )
    learner = staff_member.learner
    if learner is not None:
        Learner.objects.filter(pk=learner.pk).update(department=staff_member.department)
        if learner.user_id:
            learner.user.__class__.objects.filter(pk=learner.user_id).update(
                email=staff_member.email
            )
    roster_imported.send(sender=StaffMember, municipality=staff_member.municipality)
    return staff_member


def staff_record_export(learner: Learner) -> dict:
    """A staff member's roster entry, for their data export (``learner_data_export`` hook)."""
    staff = (
        StaffMember.objects.filter(learner=learner)
        .select_related("department", "municipality")
        .first()
    )
    if staff is None:
        return {}
    return {
        "staff_roster": {
            "municipality": staff.municipality.code,
            "staff_number": staff.staff_number,
            "name": staff.name,
            "name_kana": staff.name_kana,
            "department": (
                department_path_names([staff.municipality_id]).get(staff.department_id)
                if staff.department_id
                else None
            ),
            "position": staff.position,
            "employment_type": staff.employment_type,
            "email": staff.email,
            "status": staff.status,
            "transfers": [
                {"moved_on": t.moved_on.isoformat(), "from": t.from_name, "to": t.to_name}
                for t in staff.transfers.order_by("moved_on", "pk")
            ],
        }
    }


# Learners as requests meet them (``organizations.learners``) ------------------------------


@transaction.atomic
def learner_create_for_user(*, user) -> Learner:
    """The learner of a signed-in ``user``, created when the account has none yet."""
    learner, _created = Learner.objects.get_or_create(user=user)
    return learner


@transaction.atomic
def learner_create_anonymous(*, token: str) -> Learner:
    """A new anonymous learner recognised by ``token`` (only its hash is stored); made when
    a first-time visitor first saves something."""
    return Learner.objects.create(token_hash=hash_learner_token(token))


@transaction.atomic
def learner_touch(*, learner: Learner, now) -> None:
    """Record a returning learner's visit (``last_seen_at``, which the retention counts from)."""
    Learner.objects.filter(pk=learner.pk).update(last_seen_at=now)
    learner.last_seen_at = now


@transaction.atomic
def account_sign_up(*, request, form):
    """Create a citizen's optional account from a valid ``SignupForm`` and sign them in. One
    transaction: signing in moves what they did anonymously into the account
    (``organizations.receivers``), so the account never exists without it."""
    user = form.save()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


# Staff invitations --------------------------------------------------------------------------


@transaction.atomic
def staff_send_invitations(*, staff_members) -> int:
    """Email the one-time link (``organizations.invitations``) to each given staff member who
    has an email address, and record when. Returns how many emails are sent.

    The emails leave once the record is committed (``transaction.on_commit``): a rolled-back
    request sends nothing, and nobody gets a link the database says was never sent."""
    staff_members = [s for s in staff_members if s.email]
    messages = [invitation_message(staff) for staff in staff_members]
    StaffMember.objects.filter(pk__in=[s.pk for s in staff_members]).update(
        invited_at=timezone.now()
    )
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return len(messages)


# Roster imports (``organizations.resources``): run inside the import's transaction ----------


# Lists of keys are sent in slices: databases cap the parameters of one statement.
CHUNK = 5000


def chunks(values):
    """``values`` in lists of at most ``CHUNK``."""
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _pks_by(model, field: str, keys) -> dict:
    """``{key: pk}`` of the rows of ``model`` whose ``field`` is one of ``keys``."""
    return {
        key: pk
        for chunk in chunks(keys)
        for key, pk in model.objects.filter(**{f"{field}__in": chunk}).values_list(field, "pk")
    }


def municipality_units_lock(*, municipality: Municipality) -> None:
    """Take ``municipality``'s lock on its roster and units until the end of the caller's
    transaction (call it inside one): whoever creates units or imports staff of the
    municipality — the admin screen's roster import, ``import_roster`` (file or folder sync),
    a unit saved in the admin — waits here for the others, so two of them never create the
    same unit or staff number at once (a unique-constraint error, a half-done import).

    The municipality's row, locked ``FOR NO KEY UPDATE`` (no-op on SQLite, which writes one
    transaction at a time anyway): it does not block rows that merely refer to the
    municipality (learners choosing it, completions, …), only another holder of this lock.
    """
    # Re-read under the lock by whoever takes it next: the units and staff numbers the
    # first holder committed are then visible (READ COMMITTED reads per statement).
    list(
        Municipality.objects.select_for_update(no_key=True)
        .filter(pk=municipality.pk)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def departments_ensure_paths(*, municipality: Municipality, paths) -> tuple[dict[tuple, int], int]:
    """The ids of the units named by ``paths`` (tuples of names from the top: ("総務局",
    "人事部", "人事課")), creating the missing ones under the right parent. Returns
    ``({path: id}, how many units were new)``.

    A path is followed from the top. A single name that is no top-level unit but names
    exactly one unit somewhere in the tree is that unit: a flat roster keeps working after
    the office has arranged its units into a tree in the admin.
    """
    # The units are read under the municipality's lock: another import creating the same
    # new unit commits (or rolls back) first, and its unit is then found, not duplicated.
    municipality_units_lock(municipality=municipality)
    units = list(municipality.departments.values_list("pk", "parent_id", "name"))
    by_parent_name = {(parent_id, name): pk for pk, parent_id, name in units}
    by_name: dict[str, list[int]] = {}
    for pk, _parent_id, name in units:
        by_name.setdefault(name, []).append(pk)
    found: dict[tuple, int] = {}
    created = 0
    for path in sorted(set(paths), key=len):
        if len(path) == 1 and (None, path[0]) not in by_parent_name:
            same_name = by_name.get(path[0], [])
            if len(same_name) == 1:
                found[path] = same_name[0]
                continue
        parent_id = None
        for name in path:
            pk = by_parent_name.get((parent_id, name))
            if pk is None:
                unit = Department.objects.create(
                    municipality=municipality, parent_id=parent_id, name=name
                )
                pk = by_parent_name[(parent_id, name)] = unit.pk
                created += 1
            parent_id = pk
        found[path] = parent_id
    return found, created


@transaction.atomic
def department_save(*, department: Department) -> Department:
    """Create or change one unit, its place in the tree included (its whole subtree moves
    with it). Refuses another municipality's parent, a cycle and a changed municipality."""
    # A unit created or renamed while a roster import creates units of the same
    # municipality waits for it, so the two never collide on a unit's name.
    municipality_units_lock(municipality=department.municipality)
    errors = department.tree_errors(department.parent)
    if department.pk:
        before = Department.objects.select_for_update().get(pk=department.pk)
        if before.municipality_id != department.municipality_id:
            errors["municipality"] = _("所属の市区町村は変えられません。")
    if errors:
        raise ValidationError(errors)
    # Checked under the lock: a unit of the same name that an import just committed is a
    # Japanese message on the form, not an IntegrityError.
    department.validate_constraints()
    department.save()
    return department


@transaction.atomic
def department_keep_path(*, department: Department) -> None:
    """Bring ``department.path`` in line with its parent after a save (``post_save``
    receiver: whoever saved it — admin, import, seed, test); when the unit moved, its whole
    subtree's paths move with it in one UPDATE of their prefix."""
    parent_path = (
        Department.objects.values_list("path", flat=True).get(pk=department.parent_id)
        if department.parent_id
        else "/"
    )
    expected = f"{parent_path}{department.pk}/"
    if department.path == expected:
        return
    old, department.path = department.path, expected
    Department.objects.filter(pk=department.pk).update(path=expected)
    if old:
        Department.objects.filter(
            municipality_id=department.municipality_id, path__startswith=old
        ).exclude(pk=department.pk).update(
            path=Concat(Value(expected), Substr("path", len(old) + 1))
        )


@transaction.atomic
def department_delete(*, department: Department) -> None:
    """Delete a unit that has no units below it (its staff keep their records, without a
    unit until the next roster)."""
    if department.children.exists():
        raise ValidationError(
            _("下位の所属がある所属は削除できません。先に下位の所属を移すか削除してください。")
        )
    department.delete()


def staff_transfers_record(*, moves, source: str, moved_on=None) -> int:
    """Record moves between units (異動): ``moves`` is ``[(staff id, from id, to id)]``.
    Called inside the writing transaction (the roster import, ``staff_member_update``)."""
    moves = [move for move in moves if move[1] != move[2]]
    if not moves:
        return 0
    moved_on = moved_on or timezone.localdate()
    municipality_ids = set(
        Department.objects.filter(
            pk__in={d for _s, a, b in moves for d in (a, b) if d}
        ).values_list("municipality_id", flat=True)
    )
    names = department_path_names(municipality_ids)
    StaffTransfer.objects.bulk_create(
        [
            StaffTransfer(
                staff_member_id=staff_id,
                from_department_id=from_id,
                to_department_id=to_id,
                from_name=names.get(from_id, ""),
                to_name=names.get(to_id, ""),
                moved_on=moved_on,
                source=source,
            )
            for staff_id, from_id, to_id in moves
        ],
        batch_size=1000,
    )
    return len(moves)


@transaction.atomic
def manager_delegation_save(*, delegation: ManagerDelegation, user=None) -> ManagerDelegation:
    """Give (or change) a deputy the view of a unit's subtree for a period; ``user`` is
    recorded as who delegated it (on creation)."""
    errors = {}
    if delegation.ends_on < delegation.starts_on:
        errors["ends_on"] = _("終了日は開始日以降にしてください。")
    if delegation.department.municipality_id != delegation.municipality_id:
        errors["department"] = _("選んだ市区町村の所属を選んでください。")
    if user is not None and delegation.deputy_id == user.pk:
        errors["deputy"] = _("自分自身には委任できません。")
    if errors:
        raise ValidationError(errors)
    if delegation.pk is None and user is not None:
        delegation.delegated_by = user
    delegation.save()
    return delegation


@transaction.atomic
def manager_delegation_delete(*, delegation: ManagerDelegation) -> None:
    """End a delegation early (deleting it: nothing else refers to it)."""
    delegation.delete()


@transaction.atomic
def staff_mark_leaving(*, staff_ids) -> int:
    """Mark the given staff members as leaving (a whole roster without them); returns how many."""
    marked = 0
    for chunk in chunks(staff_ids):
        marked += StaffMember.objects.filter(pk__in=chunk).update(status=StaffMember.Status.LEAVING)
    return marked


@transaction.atomic
def roster_sync_accounts(*, municipality: Municipality) -> int:
    """Create an account (without a usable password) and a learner for every staff member of
    ``municipality`` who has none, and bring learners' departments up to date. A handful of
    statements whatever the number of staff. Accounts of people who left are switched off.
    Returns the number of accounts created."""
    user_model = get_user_model()
    missing = list(
        StaffMember.objects.filter(municipality=municipality, learner__isnull=True).values_list(
            "staff_number", "email", "name", "department_id"
        )
    )
    if missing:
        prefix = f"{municipality.code}-"
        usernames = {prefix + staff[0]: staff for staff in missing}
        taken = _pks_by(user_model, "username", list(usernames))
        # An account someone else made with the same name is never handed to a staff member.
        for username in taken:
            usernames[f"{username}-{secrets.token_hex(3)}"] = usernames.pop(username)
        # One unusable password for all: hashing one per account would be most of the import,
        # and nobody can sign in with it either way (people set theirs through an invitation).
        password = make_password(None)
        now = timezone.now()
        # Rows straight to the tables (``base.bulk``): 50,000 accounts through
        # ``bulk_create`` spend seconds compiling their values into SQL.
        insert_rows(
            user_model,
            ["username", "email", "last_name", "password", "date_joined"],
            (
                (username, email, name, password, now)
                for username, (_number, email, name, _department) in usernames.items()
            ),
        )
        users = _pks_by(user_model, "username", list(usernames))
        with_learner = set(_pks_by(Learner, "user_id", list(users.values())))
        insert_rows(
            Learner,
            ["user_id", "municipality_id", "department_id", "attendee_type"],
            (
                (user_id, municipality.pk, usernames[username][3], AttendeeType.GOVERNMENT.value)
                for username, user_id in users.items()
                if user_id not in with_learner
            ),
        )
        # Link staff to their new learners in one statement (a per-row update is slow at
        # 50,000 rows); the few whose login ID had to be changed are linked one by one.
        renamed = {
            staff[0]: username
            for username, staff in usernames.items()
            if username != prefix + staff[0]
        }
        StaffMember.objects.filter(municipality=municipality, learner__isnull=True).exclude(
            staff_number__in=list(renamed)
        ).update(
            learner_id=Subquery(
                Learner.objects.filter(
                    user__username=Concat(Value(prefix), OuterRef("staff_number"))
                ).values("pk")[:1]
            )
        )
        learners_by_user = _pks_by(Learner, "user_id", [users[u] for u in renamed.values()])
        for number, username in renamed.items():
            StaffMember.objects.filter(municipality=municipality, staff_number=number).update(
                learner_id=learners_by_user[users[username]]
            )
    # Keep accounts' e-mail and learners' department as on the roster (only rows that differ).
    user_model.objects.filter(learner__staff_member__municipality=municipality).exclude(
        email=F("learner__staff_member__email")
    ).update(
        email=Subquery(StaffMember.objects.filter(learner__user=OuterRef("pk")).values("email")[:1])
    )
    Learner.objects.filter(staff_member__municipality=municipality).exclude(
        department_id=F("staff_member__department_id")
    ).update(
        department_id=Subquery(
            StaffMember.objects.filter(learner=OuterRef("pk")).values("department_id")[:1]
        )
    )
    # People who left can no longer sign in; their records stay for the office's statistics.
    # Someone back on the roster as active gets their account back.
    staff_users = user_model.objects.filter(learner__staff_member__municipality=municipality)
    staff_users.filter(
        learner__staff_member__status=StaffMember.Status.LEAVING, is_active=True
    ).update(is_active=False)
    staff_users.filter(
        learner__staff_member__status=StaffMember.Status.ACTIVE, is_active=False
    ).update(is_active=True)
    return len(missing)


# Folder roster syncs (``organizations.roster_sync``): the run that is their lock and record ---


class RosterSyncBusy(Exception):
    """Another run for the same municipality holds the lock."""


def roster_sync_run_lock(*, municipality: Municipality, mode: str, stale_before) -> RosterSyncRun:
    """Start a folder sync of ``municipality``: its ``RosterSyncRun`` is the lock (one running
    run per municipality, a unique constraint). Runs still running since before
    ``stale_before`` (a crashed server) are let go first, in their own transaction, so they
    are let go even when the lock is then refused. Raises ``RosterSyncBusy``."""
    now = timezone.now()
    with transaction.atomic():
        RosterSyncRun.objects.filter(
            municipality=municipality,
            status=RosterSyncRun.Status.RUNNING,
            started_at__lt=stale_before,
        ).update(status=RosterSyncRun.Status.ABANDONED, finished_at=now)
    try:
        with transaction.atomic():
            return RosterSyncRun.objects.create(municipality=municipality, mode=mode)
    except IntegrityError as exc:
        raise RosterSyncBusy(
            _("%(name)s の名簿の取り込みが実行中です。終わってから実行してください。")
            % {"name": municipality.name}
        ) from exc


@transaction.atomic
def roster_sync_run_release(*, run: RosterSyncRun) -> None:
    """Let go of the lock of a run that did not finish (whatever went wrong): a run that had
    picked a file is kept as abandoned, one that had not is deleted."""
    if run.pk is None or run.status != RosterSyncRun.Status.RUNNING:
        return
    if run.file_name:
        run.status = RosterSyncRun.Status.ABANDONED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
    else:
        run.delete()


@transaction.atomic
def roster_sync_run_discard(*, run: RosterSyncRun) -> None:
    """Delete the run of a sync that found no file (nothing to record)."""
    run.delete()


@transaction.atomic
def roster_sync_run_pick_file(*, run: RosterSyncRun, file_name: str, sha256: str) -> None:
    """Record which file the run imports (its name and content hash)."""
    run.file_name = file_name
    run.sha256 = sha256
    run.save(update_fields=["file_name", "sha256"])


@transaction.atomic
def roster_sync_run_skip(*, run: RosterSyncRun, result: str) -> None:
    """The run's file was imported before (same content): record it as skipped."""
    run.status = RosterSyncRun.Status.SKIPPED
    run.finished_at = timezone.now()
    run.result = result
    run.save()


@transaction.atomic
def roster_sync_run_finish(*, run: RosterSyncRun) -> None:
    """Record the outcome ``roster_sync`` set on ``run`` (status, counts, result, finish
    time); called inside the import's transaction, so the record commits with the import."""
    run.save()


@transaction.atomic
def roster_sync_run_archived(*, run: RosterSyncRun, archived_as: str) -> None:
    """Record where the run's file was moved to (the archive folder)."""
    run.archived_as = archived_as
    run.save(update_fields=["archived_as"])


@transaction.atomic
def roster_sync_runs_clear_details(*, municipality: Municipality, before) -> int:
    """Clear the stored details of ``municipality``'s runs started before ``before`` (the
    archive's retention); their counts stay. Returns how many runs were cleared."""
    return (
        RosterSyncRun.objects.filter(municipality=municipality, started_at__lt=before)
        .exclude(result="")
        .update(result="")
    )
