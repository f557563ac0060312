"""``manage.py generate_demo_activity --completions N --sessions M --fiscal-year 2025
[--seed S]``: realistic demo activity for dashboards and benchmarks, added to what exists.

Completions go to supporter courses, placed in municipalities in proportion to population
(``reports.demo.weights``), with a May peak and the usual mix of attendee types; sessions
likewise. Everything is dated inside the fiscal year (and not after today). The same ``--seed``
gives the same data.

Built for millions of rows: rows are plain tuples written in large batches by ``base.bulk``
(``COPY`` on PostgreSQL), and the year's tallies are recounted once at the end, in the database, rather than
updated row by row; the completions' plain indexes are dropped for the load and built again
once at the end. Everything happens in one transaction, so an interrupted run leaves neither
records nor tallies behind.
"""

import bisect
import datetime as dt
import itertools
import random
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from base.bulk import indexes_deferred, insert_rows
from base.dates import TOKYO, fiscal_year_bounds, fiscal_year_of, tokyo_date
from courses.models import SUPPORTER_AUDIENCES, Audience, Completion, CoursePage
from organizations.models import AttendeeType, Municipality
from reports import tallies
from reports.demo.weights import (
    ATTENDEE_WEIGHT,
    KIND_WEIGHT,
    MONTH_WEIGHT,
    ORGANISER_WEIGHT,
    PREFECTURE_POPULATION_THOUSANDS,
)
from reports.fiscal import fiscal_months
from reports.models import ATTENDEE_COUNT_FIELDS, TrainingSession, session_fingerprint

BATCH = 100_000
FIRST_HOUR, LAST_HOUR = 7, 22  # completions happen between 7:00 and 22:59, Tokyo time
COMPLETION_COLUMNS = [
    "course_id",
    "completed_at",
    "completed_on",
    "fiscal_year",
    "municipality_id",
    "attendee_type",
    "is_supporter",
]
SESSION_COLUMNS = [
    "held_on",
    "fiscal_year",
    "municipality_id",
    "organiser_type",
    "organiser_name",
    "course_id",
    "instructor_name",
    "delivery",
    *ATTENDEE_COUNT_FIELDS.values(),
    "fingerprint",
    # Demo reports stand for reports already approved by their municipality.
    "status",
]
ORGANISER_NAMES = {
    "municipality": "{}（主催）",
    "company": "{}商工会議所 会員企業",
    "school": "{}立 中学校",
    "npo": "{}地域福祉ネットワーク",
    "other": "{}自治会連合会",
}


class Sampler:
    """Weighted choice by bisecting cumulative weights (fast for millions of draws)."""

    def __init__(self, items, weights, rng):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def __call__(self):
        point = self.rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, point)]


class Day:
    """A day that can be drawn, with what the rows need computed once."""

    def __init__(self, day: dt.date):
        self.date = day
        self.fiscal_year = fiscal_year_of(day)
        # The start of each Tokyo hour a completion can happen in, in UTC.
        self.utc_hours = {
            hour: dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO).astimezone(dt.UTC)
            for hour in range(FIRST_HOUR, LAST_HOUR + 1)
        }


class Command(BaseCommand):
    help = "デモ用の修了と開催報告を生成します（集計表も更新）。"

    def add_arguments(self, parser):
        parser.add_argument("--completions", type=int, default=0)
        parser.add_argument("--sessions", type=int, default=0)
        parser.add_argument("--fiscal-year", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, completions, sessions, fiscal_year, seed, **options):
        if completions < 0 or sessions < 0:
            raise CommandError("件数は0以上で指定してください。")
        rng = random.Random(seed)
        courses = list(
            CoursePage.objects.filter(audience__in=SUPPORTER_AUDIENCES)
            .order_by("pk")
            .values_list("pk", "audience")
        )
        if not courses:
            raise CommandError(
                "サポーター講座（一般向け・こども向け）がありません。seed_demo を先に。"
            )
        municipalities = list(
            Municipality.objects.order_by("code").values_list("pk", "prefecture_id", "kind")
        )
        if not municipalities:
            raise CommandError("市区町村がありません。import_municipalities を先に。")
        start, end = fiscal_year_bounds(fiscal_year)
        end = min(end, tokyo_date())
        if end < start:
            raise CommandError(f"{fiscal_year}年度はまだ始まっていません。")

        place = self._place_sampler(municipalities, rng)
        day = self._day_sampler(fiscal_year, start, end, rng)
        attendee = Sampler([str(kind) for kind in ATTENDEE_WEIGHT], ATTENDEE_WEIGHT.values(), rng)
        children = [pk for pk, audience in courses if audience == Audience.CHILDREN]
        citizens = [pk for pk, audience in courses if audience == Audience.CITIZEN] or children

        began = time.monotonic()
        with transaction.atomic():
            with indexes_deferred(Completion):
                made = 0
                while made < completions:
                    size = min(BATCH, completions - made)
                    rows = self._completion_rows(
                        size, place, day, attendee, citizens, children, rng
                    )
                    insert_rows(Completion, COMPLETION_COLUMNS, rows)
                    made += size
                    if completions >= 5 * BATCH:
                        self.stdout.write(
                            f"  {made:,} / {completions:,} 件（{time.monotonic() - began:.0f} 秒）"
                        )
                indexed = time.monotonic()
            if completions >= 5 * BATCH:
                self.stdout.write(f"  索引の作成 {time.monotonic() - indexed:.1f} 秒")
            insert_rows(
                TrainingSession,
                SESSION_COLUMNS,
                self._session_rows(sessions, place, day, citizens, children, rng),
            )
            counted = time.monotonic()
            tallies.recount(fiscal_year)
            if completions >= 5 * BATCH:
                self.stdout.write(f"  集計表の再計算 {time.monotonic() - counted:.1f} 秒")
        self.stdout.write(
            self.style.SUCCESS(
                f"{fiscal_year}年度: 修了 {completions:,} 件、開催報告 {sessions:,} 件を追加しました"
                f"（{time.monotonic() - began:.1f} 秒、うち集計表 "
                f"{time.monotonic() - counted:.1f} 秒）。"
            )
        )

    def _place_sampler(self, municipalities, rng):
        by_prefecture = Counter()
        for _pk, prefecture, kind in municipalities:
            by_prefecture[prefecture] += KIND_WEIGHT.get(kind, 1.0)
        weights = [
            PREFECTURE_POPULATION_THOUSANDS.get(prefecture, 1000)
            * KIND_WEIGHT.get(kind, 1.0)
            / by_prefecture[prefecture]
            for _pk, prefecture, kind in municipalities
        ]
        return Sampler([pk for pk, _p, _k in municipalities], weights, rng)

    def _day_sampler(self, fiscal_year, start, end, rng):
        days, weights = [], []
        for month, weight in zip(fiscal_months(fiscal_year), MONTH_WEIGHT, strict=True):
            following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            month_days = [month + dt.timedelta(days=i) for i in range((following - month).days)]
            for each in month_days:
                if start <= each <= end:
                    days.append(Day(each))
                    weights.append(weight / len(month_days))
        return Sampler(days, weights, rng)

    def _completion_rows(self, size, place, day, attendee, citizens, children, rng):
        """``size`` completion rows. The draws are those of ``Sampler`` inlined (same order,
        same numbers): this loop runs once per generated row."""
        random, choice, randrange = rng.random, rng.choice, rng.randrange
        bisect_right = bisect.bisect_right
        places, place_weights = place.items, place.cumulative
        days, day_weights = day.items, day.cumulative
        types, type_weights = attendee.items, attendee.cumulative
        place_total, day_total, type_total = place_weights[-1], day_weights[-1], type_weights[-1]
        minutes = [dt.timedelta(minutes=m) for m in range(60)]
        rows = []
        append = rows.append
        for _i in range(size):
            is_child = children and random() < 0.12
            course = choice(children if is_child else citizens)
            if is_child:
                attendee_type = "child"
            else:
                attendee_type = types[bisect_right(type_weights, random() * type_total)]
            municipality = places[bisect_right(place_weights, random() * place_total)]
            completed_on = days[bisect_right(day_weights, random() * day_total)]
            hour = randrange(FIRST_HOUR, LAST_HOUR + 1)
            moment = completed_on.utc_hours[hour] + minutes[randrange(60)]
            append(
                (
                    course,
                    moment,
                    completed_on.date,
                    completed_on.fiscal_year,
                    municipality,
                    attendee_type,
                    True,
                )
            )
        return rows

    def _session_rows(self, count, place, day, citizens, children, rng):
        """``count`` session reports, none the same as one already stored."""
        if not count:
            return []
        organiser = Sampler(ORGANISER_WEIGHT, ORGANISER_WEIGHT.values(), rng)
        municipality_names = dict(Municipality.objects.values_list("pk", "name"))
        seen = set(TrainingSession.objects.values_list("fingerprint", flat=True))
        rows = []
        while len(rows) < count:
            kind = organiser()
            is_child = kind == "school" and children and rng.random() < 0.6
            held_on = day()
            municipality = place()
            course = rng.choice(children if is_child else citizens)
            delivery = (
                TrainingSession.Delivery.IN_PERSON
                if rng.random() < 0.85
                else TrainingSession.Delivery.LIVE_ONLINE
            )
            organiser_name = ORGANISER_NAMES[kind].format(municipality_names[municipality])
            size = rng.randrange(8, 80)
            counts = dict.fromkeys(AttendeeType, 0)
            if is_child:
                counts[AttendeeType.CHILD] = size
            elif kind == "company":
                counts[AttendeeType.WORKPLACE] = size
            elif kind == "school":
                counts[AttendeeType.SCHOOL] = size
            else:
                counts[AttendeeType.GENERAL] = int(size * 0.8)
                counts[AttendeeType.NPO] = size - counts[AttendeeType.GENERAL]
            fingerprint = session_fingerprint(municipality, held_on.date, organiser_name, counts)
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            rows.append(
                (
                    held_on.date,
                    held_on.fiscal_year,
                    municipality,
                    kind,
                    organiser_name,
                    course,
                    "デモ講師",
                    str(delivery),
                    *(counts[kind] for kind in ATTENDEE_COUNT_FIELDS),
                    fingerprint,
                    str(TrainingSession.Status.APPROVED),
                )
            )
        return rows
