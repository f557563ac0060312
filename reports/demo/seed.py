"""Demo KPI activity for ``seed_demo`` (development only): a little of everything to look at."""

import io

from django.core.management import call_command

from base.dates import fiscal_year_of, tokyo_date
from courses.models import Completion
from organizations.models import Municipality, Prefecture

from ..models import KpiTarget, TrainingSession

# (fiscal years back from the current one, completions, sessions)
DEMO_YEARS = [(1, 2400, 60), (0, 1500, 40)]
# A national target with a heavier May (the 強化月間), April first.
NATION_SPLIT = [6, 20, 9, 8, 6, 8, 9, 9, 6, 6, 7, 6]


def install_demo_activity() -> list[str]:
    """Generate demo completions, sessions and targets once (nothing when any exist)."""
    # Demo completions have no learner and count; a supporter card taken at a course's check-in
    # has no learner either but never counts (is_supporter=False), so it is not demo data.
    demo_completions = Completion.objects.filter(learner=None, is_supporter=True)
    if TrainingSession.objects.exists() or demo_completions.exists():
        return []
    current = fiscal_year_of(tokyo_date())
    made = []
    for back, completions, sessions in DEMO_YEARS:
        year = current - back
        call_command(
            "generate_demo_activity",
            completions=completions,
            sessions=sessions,
            fiscal_year=year,
            seed=year,
            stdout=io.StringIO(),
        )
        _targets(year, scale=completions + sessions * 40)
        made.append(f"demo KPI activity {year}")
    return made


def _targets(year: int, *, scale: int) -> None:
    nation = round(scale * 1.2, -2)
    split = [round(nation * w / sum(NATION_SPLIT)) for w in NATION_SPLIT]
    split[1] += int(nation) - sum(split)  # rounding goes to May
    months = ["04", "05", "06", "07", "08", "09", "10", "11", "12", "01", "02", "03"]
    KpiTarget.objects.get_or_create(
        fiscal_year=year,
        level=KpiTarget.Level.NATION,
        defaults={
            "target": int(nation),
            "note": "デモ用の目標",
            **{f"month_{m}": v for m, v in zip(months, split, strict=True)},
        },
    )
    osaka_pref = Prefecture.objects.filter(code="27").first()
    if osaka_pref:
        KpiTarget.objects.get_or_create(
            fiscal_year=year,
            level=KpiTarget.Level.PREFECTURE,
            prefecture=osaka_pref,
            defaults={"target": int(nation * 0.08), "note": "デモ用の目標"},
        )
    osaka_city = Municipality.objects.filter(code="271004").first()
    if osaka_city:
        KpiTarget.objects.get_or_create(
            fiscal_year=year,
            level=KpiTarget.Level.MUNICIPALITY,
            municipality=osaka_city,
            defaults={"target": int(nation * 0.025), "note": "デモ用の目標"},
        )
