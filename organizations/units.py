"""Reads of the unit tree (所属): how a unit is named, which units lie below one."""

from .models import Department

# Between the levels of a unit's name: 総務局/人事部/人事課 (the roster's 所属 column too).
PATH_SEPARATOR = "/"


def department_path_parts(municipality_ids) -> dict[int, tuple[str, ...]]:
    """``{unit id: ("総務局", "人事部", "人事課")}`` for the units of the given municipalities:
    each unit's names from the top (one query)."""
    rows = list(
        Department.objects.filter(municipality_id__in=list(municipality_ids)).values_list(
            "pk", "name", "path"
        )
    )
    names = {pk: name for pk, name, _path in rows}
    return {
        pk: tuple(names.get(int(part), "?") for part in path.strip("/").split("/") if part)
        or (name,)
        for pk, name, path in rows
    }


def department_path_names(municipality_ids) -> dict[int, str]:
    """``{unit id: "総務局/人事部/人事課"}`` for the units of the given municipalities: how
    reports and the transfer history name a unit (``PATH_SEPARATOR`` between levels)."""
    return {
        pk: PATH_SEPARATOR.join(parts)
        for pk, parts in department_path_parts(municipality_ids).items()
    }
