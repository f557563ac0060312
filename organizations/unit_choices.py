"""Units (所属) in the admin's choice lists: each named by its whole path from the top
(「総務局 / 人事部 / 研修課」) and listed in tree order, so that two 庶務係 of different 課 can
be told apart. Which units are offered stays the form's business (the user's area)."""

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator

from .models import Municipality
from .units import department_path_parts

# Between the levels of a unit's name in a choice list: wider than the roster's "/" to read.
CHOICE_SEPARATOR = " / "


class UnitPathChoiceIterator(ModelChoiceIterator):
    """The field's units (its queryset, unchanged) ordered by their path of names, labelled
    with it; prefixed with the municipality when the list holds more than one (a national
    administrator's lists). At most three queries, whatever the number of units."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        units = list(self.queryset)
        municipality_ids = {unit.municipality_id for unit in units}
        parts = department_path_parts(municipality_ids)
        # (code, name) of each municipality, only when there is more than one to tell apart.
        municipalities = (
            {
                pk: (code, name)
                for pk, code, name in Municipality.objects.filter(
                    pk__in=municipality_ids
                ).values_list("pk", "code", "name")
            }
            if len(municipality_ids) > 1
            else {}
        )

        def label(unit) -> str:
            path = CHOICE_SEPARATOR.join(parts.get(unit.pk, (unit.name,)))
            if unit.municipality_id in municipalities:
                return f"{municipalities[unit.municipality_id][1]}：{path}"
            return path

        units.sort(
            key=lambda unit: (
                municipalities.get(unit.municipality_id, ("", ""))[0],
                parts.get(unit.pk, (unit.name,)),
            )
        )
        for unit in units:
            yield (
                forms.models.ModelChoiceIteratorValue(self.field.prepare_value(unit), unit),
                label(unit),
            )


def show_unit_paths(field, queryset=None) -> None:
    """Make a unit ``ModelChoiceField`` (or multiple) of a form list its units by path, in
    tree order; ``queryset`` (when given) replaces the units offered."""
    field.iterator = UnitPathChoiceIterator
    # Setting the queryset again hands the widget the new iterator's choices.
    field.queryset = field.queryset if queryset is None else queryset


class UnitPathChoiceField(forms.ModelChoiceField):
    """A unit chooser listing its units by path, in tree order."""

    iterator = UnitPathChoiceIterator


class UnitPathFilter(django_filters.ModelChoiceFilter):
    """A listing's 所属 filter with the units by path, in tree order."""

    field_class = UnitPathChoiceField
