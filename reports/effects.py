"""What saving session reports (開催報告) would do to the KPI figures, shown before saving.

An administrator entering 99,999,999,999 attendees by mistake sees 「大阪市 2025年度の養成者数：
1,234 人 → 100,000,001,233 人」 before anything is written, not after the dashboard shows it.
Figures are the municipality's own supporters of the fiscal year (online completions and
in-person sessions, from the monthly tallies) and, when it has one, its target.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Sum
from django.utils.translation import gettext as _

from organizations.models import Municipality

from .models import KpiTarget, MonthlyTally

# Above this many attendees in one session the report needs an explicit confirmation: the
# large lecture-hall sessions of the programme hold a few hundred people.
PLAUSIBLE_SESSION_ATTENDEES = 500


@dataclass
class KpiEffect:
    """One municipality's supporters in one fiscal year, before and after the change."""

    municipality: Municipality
    fiscal_year: int
    before: int
    after: int
    target: int | None

    def __str__(self):
        text = _("%(area)s %(year)s年度の養成者数：%(before)s 人 → %(after)s 人（%(delta)s）") % {
            "area": self.municipality.full_name,
            "year": self.fiscal_year,
            "before": f"{self.before:,}",
            "after": f"{self.after:,}",
            "delta": f"{self.after - self.before:+,}",
        }
        if self.target:
            text += _("、目標 %(target)s 人に対する進捗率 %(before)s%% → %(after)s%%") % {
                "target": f"{self.target:,}",
                "before": f"{self.before / self.target * 100:,.1f}",
                "after": f"{self.after / self.target * 100:,.1f}",
            }
        return text


def kpi_effects(deltas: Counter) -> list[KpiEffect]:
    """The effect of ``deltas`` (``{(municipality_id, fiscal_year): attendees added}``) on
    the municipalities' figures, as they are stored now (read in three queries)."""
    keys = [key for key, delta in deltas.items() if delta]
    if not keys:
        return []
    ids = {m for m, _y in keys}
    years = {y for _m, y in keys}
    stored = Counter()
    rows = (
        MonthlyTally.objects.filter(municipality_id__in=ids, fiscal_year__in=years)
        .order_by()
        .values("municipality_id", "fiscal_year")
        .annotate(total=Sum("supporters"))
        .values_list("municipality_id", "fiscal_year", "total")
    )
    for municipality_id, fiscal_year, total in rows:
        stored[(municipality_id, fiscal_year)] = total or 0
    targets = {
        (m, y): t
        for m, y, t in KpiTarget.objects.filter(
            level=KpiTarget.Level.MUNICIPALITY, municipality_id__in=ids, fiscal_year__in=years
        ).values_list("municipality_id", "fiscal_year", "target")
    }
    municipalities = Municipality.objects.select_related("prefecture").in_bulk(ids)
    return [
        KpiEffect(
            municipality=municipalities[m],
            fiscal_year=y,
            before=stored[(m, y)],
            after=stored[(m, y)] + deltas[(m, y)],
            target=targets.get((m, y)),
        )
        for m, y in sorted(keys)
    ]
