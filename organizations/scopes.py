"""The one place that answers "which areas may this user see".

Every report, import, export, API and command asks ``scope_for_user`` and filters through the
returned ``AreaScope``; nothing else decides visibility.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from base.dates import tokyo_date

from .models import AdminScope, Department, ManagerDelegation, Municipality


@dataclass(frozen=True)
class AreaScope:
    """The areas one administrator may see.

    ``level`` is one of ``AdminScope.Level``; for a municipality, its wards are included.
    A department manager (管理監督者) sees the units ``department_ids``: the whole subtree of
    their unit ``department_id``, and of the units a delegation in force lends them
    (``delegated``: the scope comes from a delegation only, so they may not delegate it on).
    """

    level: str
    prefecture_code: str | None = None
    municipality_id: int | None = None
    department_id: int | None = None
    department_ids: frozenset = frozenset()
    delegated: bool = False

    def allows_department(self, department_id: int | None) -> bool:
        """Whether a unit's staff may be shown (every unit, above the department level)."""
        if self.level != AdminScope.Level.DEPARTMENT:
            return True
        return department_id in self.department_ids

    @property
    def is_nation(self) -> bool:
        return self.level == AdminScope.Level.NATION

    def municipality_q(self, field: str = "municipality") -> Q:
        """A filter for rows whose ``field`` (a FK to Municipality) lies inside this scope."""
        if self.is_nation:
            return Q()
        if self.level == AdminScope.Level.PREFECTURE:
            return Q(**{f"{field}__prefecture_id": self.prefecture_code})
        return Q(**{f"{field}_id": self.municipality_id}) | Q(
            **{f"{field}__parent_id": self.municipality_id}
        )

    def filter(self, queryset: QuerySet, *, field: str = "municipality") -> QuerySet:
        """Narrow ``queryset`` to rows of the areas in scope."""
        return queryset.filter(self.municipality_q(field))

    def filter_departments(self, queryset: QuerySet, *, field: str = "department") -> QuerySet:
        """Narrow to one department for a manager; other levels see all departments in scope."""
        if self.level == AdminScope.Level.DEPARTMENT:
            return queryset.filter(**{f"{field}_id__in": sorted(self.department_ids)})
        return queryset

    def municipalities(self) -> QuerySet:
        """The municipalities (and wards) this scope may see."""
        if self.is_nation:
            return Municipality.objects.all()
        if self.level == AdminScope.Level.PREFECTURE:
            return Municipality.objects.filter(prefecture_id=self.prefecture_code)
        return Municipality.objects.filter(
            Q(pk=self.municipality_id) | Q(parent_id=self.municipality_id)
        )

    def allows_prefecture(self, prefecture_code: str) -> bool:
        """Whether the whole prefecture's figures may be shown."""
        if self.is_nation:
            return True
        return self.level == AdminScope.Level.PREFECTURE and self.prefecture_code == prefecture_code

    def allows_municipality(self, municipality: Municipality) -> bool:
        """Whether one municipality's (or ward's) data may be shown."""
        if self.is_nation:
            return True
        if self.level == AdminScope.Level.PREFECTURE:
            return municipality.prefecture_id == self.prefecture_code
        return self.municipality_id in (municipality.pk, municipality.parent_id)


NATION = AreaScope(level=AdminScope.Level.NATION)


def scope_for_user(user) -> AreaScope | None:
    """The scope of ``user``, or ``None`` when the user may see no area's data at all.

    Superusers see the nation. Other users see what their ``AdminScope`` row says; a
    department manager sees their unit's subtree, and a deputy the subtrees of the
    delegations in force today (``ManagerDelegation``) — none once they have ended.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return NATION
    cached = getattr(user, "_area_scope_cache", None)
    if cached is not None:
        return cached
    row = AdminScope.objects.filter(user=user).first()
    if row is not None and row.level != AdminScope.Level.DEPARTMENT:
        scope = AreaScope(
            level=row.level,
            prefecture_code=row.prefecture_id,
            municipality_id=row.municipality_id,
            department_id=row.department_id,
        )
    else:
        scope = _department_scope(user, row)
        if scope is None:
            return None
    user._area_scope_cache = scope
    return scope


def delegations_in_force(user, today=None):
    """The delegations lent to ``user`` that are in force on ``today`` (Tokyo)."""
    today = today or tokyo_date()
    return ManagerDelegation.objects.filter(
        deputy=user, starts_on__lte=today, ends_on__gte=today
    ).select_related("department")


def _department_scope(user, row: AdminScope | None) -> AreaScope | None:
    """A manager's scope (their unit's subtree) widened by the delegations in force; for a
    deputy without a unit of their own, the delegations' subtrees (one municipality: the
    first delegation's — a deputy serves one municipality)."""
    units = [row.department] if row is not None else []
    municipality_id = row.municipality_id if row is not None else None
    for delegation in delegations_in_force(user):
        if municipality_id is None:
            municipality_id = delegation.municipality_id
        if delegation.municipality_id == municipality_id:
            units.append(delegation.department)
    if not units:
        return None
    condition = Q()
    for unit in units:
        condition |= Q(path__startswith=unit.path)
    ids = Department.objects.filter(condition, municipality_id=municipality_id).values_list(
        "pk", flat=True
    )
    return AreaScope(
        level=AdminScope.Level.DEPARTMENT,
        municipality_id=municipality_id,
        department_id=units[0].pk,
        department_ids=frozenset(ids),
        delegated=row is None,
    )


def require_scope(user) -> AreaScope:
    """``scope_for_user`` for views that must refuse users without any scope (403)."""
    scope = scope_for_user(user)
    if scope is None:
        raise PermissionDenied
    return scope
