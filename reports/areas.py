"""The area a report is about, resolved from its codes and checked against the reader's scope.

A report is for the nation, a prefecture or a municipality (a designated city with its wards).
:class:`Area` is what the queries need to find its rows; what a report *shows* of its area is
``reports.schemas.AreaOut``.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from organizations.models import Municipality, Prefecture
from organizations.scopes import AreaScope

from .parameters import check_municipality_code, check_prefecture_code

NATION = "nation"
PREFECTURE = "prefecture"
MUNICIPALITY = "municipality"
# The level whose areas a report's rows are, and which a row of the dashboard drills into.
CHILD_LEVEL = {NATION: PREFECTURE, PREFECTURE: MUNICIPALITY, MUNICIPALITY: None}
UNKNOWN_AREA_NAME = "地域未設定"


class AreaNotFound(LookupError):
    """No prefecture or municipality has the code asked for."""


@dataclass(frozen=True)
class Area:
    """A resolved area: its level, code and name, and the keys its rows are found by."""

    level: str
    code: str | None
    name: str
    prefecture_code: str | None = None
    # A municipality and its wards (a designated city has several).
    municipality_ids: tuple[int, ...] = ()


def resolve_area(
    *, scope: AreaScope, prefecture: str | None = None, municipality: str | None = None
) -> Area:
    """The area a report is asked for, checked against ``scope``.

    Without a code, the caller's own area (the nation for national administrators). Raises
    ``AreaNotFound`` for an unknown code, ``InvalidParameter`` for a malformed one and
    ``PermissionDenied`` for an area outside the scope.
    """
    if municipality:
        code = check_municipality_code(municipality)
        lookup = Q(code=code) if len(code) == 6 else Q(code__startswith=code)
        wards = Q(parent__code=code) if len(code) == 6 else Q(parent__code__startswith=code)
        # The municipality and its wards (of a designated city) in one query.
        found_all = list(
            Municipality.objects.filter(lookup | wards)
            .select_related("prefecture")
            .order_by("code")
        )
        found = next((m for m in found_all if lookup_matches(m, code)), None)
        if found is None:
            raise AreaNotFound(code)
        if not scope.allows_municipality(found):
            raise PermissionDenied
        if prefecture and check_prefecture_code(prefecture) != found.prefecture_id:
            raise AreaNotFound(code)  # no such municipality in that prefecture
        ids = [m.pk for m in found_all if m.pk == found.pk or m.parent_id == found.pk]
        return Area(
            MUNICIPALITY, found.code, found.full_name, found.prefecture_id, tuple(sorted(ids))
        )
    if prefecture:
        code = check_prefecture_code(prefecture)
        found = Prefecture.objects.filter(code=code).first()
        if found is None:
            raise AreaNotFound(code)
        if not scope.allows_prefecture(found.code):
            raise PermissionDenied
        return Area(PREFECTURE, found.code, found.name, found.code)
    if scope.is_nation:
        return Area(NATION, None, _("全国"))
    if scope.prefecture_code:
        return resolve_area(scope=scope, prefecture=scope.prefecture_code)
    if scope.municipality_id:
        code = Municipality.objects.values_list("code", flat=True).get(pk=scope.municipality_id)
        return resolve_area(scope=scope, municipality=code)
    raise PermissionDenied


def lookup_matches(municipality: Municipality, code: str) -> bool:
    """Whether ``code`` (6 digits, or 5 without the check digit) names ``municipality``."""
    return municipality.code == code or municipality.code[:5] == code
