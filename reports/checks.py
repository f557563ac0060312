"""System checks of the reports' enumerations: every attendee type is counted in a session
report (``reports.models.ATTENDEE_COUNT_FIELDS``), so no statistic silently drops a type."""

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from organizations.models import AttendeeType

from .models import ATTENDEE_COUNT_FIELDS, TrainingSession


def attendee_count_problems(types, count_fields, model) -> list[checks.Error]:
    """Errors for each attendee type of ``types`` with no count field in ``count_fields``, or
    whose field is not a count (a non-null integer defaulting to 0) on ``model``."""
    errors = []
    for kind in types:
        name = count_fields.get(kind)
        if name is None:
            errors.append(
                checks.Error(
                    f"Attendee type {kind.value!r} has no attendee-count field.",
                    hint="Add it to reports.models.ATTENDEE_COUNT_FIELDS and run makemigrations "
                    "(README, 'Adding an attendee type').",
                    obj=model,
                    id="reports.E001",
                )
            )
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if not (
            isinstance(field, models.PositiveIntegerField) and not field.null and field.default == 0
        ):
            errors.append(
                checks.Error(
                    f"The count of attendee type {kind.value!r}, {name!r}, is not a "
                    f"PositiveIntegerField(default=0) of {model._meta.label}.",
                    obj=model,
                    id="reports.E002",
                )
            )
    return errors


@checks.register(checks.Tags.models)
def attendee_types_have_counts(app_configs, **kwargs):
    """Every ``AttendeeType`` has its attendee count on ``TrainingSession``."""
    return attendee_count_problems(AttendeeType, ATTENDEE_COUNT_FIELDS, TrainingSession)
