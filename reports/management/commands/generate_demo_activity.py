"""``manage.py generate_demo_activity --completions N --sessions M --fiscal-year 2025
[--seed S]``: realistic demo activity for dashboards and benchmarks, added to what exists.

Completions go to supporter courses, placed in municipalities in proportion to population
(``reports.demo.weights``), with a May peak and the usual mix of attendee types; sessions
likewise. Everything is dated inside the fiscal year (and not after today). Tallies are updated
in the same transactions, batch by batch. The same ``--seed`` gives the same data.
"""

import bisect
import datetime as dt
import itertools
import random
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.models import Audience, Completion, CoursePage
from elearning.dates import TOKYO, fiscal_year_bounds, tokyo_date
from organizations.models import Municipality
from reports import tallies
from reports.demo.weights import (
    ATTENDEE_WEIGHT,
    KIND_WEIGHT,
    MONTH_WEIGHT,
    ORGANISER_WEIGHT,
    PREFECTURE_POPULATION_THOUSANDS,
)
from reports.models import ATTENDEE_COUNT_FIELDS, Channel, TrainingSession
from reports.queries import fiscal_months

BATCH = 20_000


class Sampler:
    """Weighted choice by bisecting cumulative weights (fast for millions of draws)."""

    def __init__(self, items, weights, rng):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def __call__(self):
        point = self.rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, point)]


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
            CoursePage.objects.filter(audience__in=[Audience.CITIZEN, Audience.CHILDREN])
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
        attendee = Sampler(ATTENDEE_WEIGHT, ATTENDEE_WEIGHT.values(), rng)
        children = [pk for pk, audience in courses if audience == Audience.CHILDREN]
        citizens = [pk for pk, audience in courses if audience == Audience.CITIZEN] or children
        prefecture_of = {pk: prefecture for pk, prefecture, _kind in municipalities}

        began = time.monotonic()
        made = 0
        while made < completions:
            size = min(BATCH, completions - made)
            self._completion_batch(
                size, place, day, attendee, citizens, children, prefecture_of, rng
            )
            made += size
            if completions >= 5 * BATCH:
                self.stdout.write(f"  {made:,} / {completions:,} 件")
        self._sessions(sessions, place, day, citizens, children, rng)
        self.stdout.write(
            self.style.SUCCESS(
                f"{fiscal_year}年度: 修了 {completions:,} 件、開催報告 {sessions:,} 件を追加しました"
                f"（{time.monotonic() - began:.1f} 秒）。"
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
                    days.append(each)
                    weights.append(weight / len(month_days))
        return Sampler(days, weights, rng)

    @transaction.atomic
    def _completion_batch(self, size, place, day, attendee, citizens, children, prefecture_of, rng):
        rows = []
        counts = Counter()
        for _i in range(size):
            is_child = children and rng.random() < 0.12
            course = rng.choice(children if is_child else citizens)
            attendee_type = "child" if is_child else attendee()
            municipality = place()
            completed_on = day()
            moment = dt.datetime.combine(
                completed_on, dt.time(rng.randrange(7, 23), rng.randrange(60)), tzinfo=TOKYO
            )
            rows.append(
                Completion(
                    course_id=course,
                    completed_at=moment,
                    completed_on=completed_on,
                    fiscal_year=completed_on.year
                    if completed_on.month >= 4
                    else completed_on.year - 1,
                    municipality_id=municipality,
                    attendee_type=attendee_type,
                    is_supporter=True,
                )
            )
            key = tallies.TallyKey(
                completed_on,
                municipality,
                prefecture_of[municipality],
                course,
                Channel.ONLINE,
                attendee_type,
            )
            counts[key] += 1
        Completion.objects.bulk_create(rows, batch_size=2000)
        tallies.apply(counts)

    @transaction.atomic
    def _sessions(self, count, place, day, citizens, children, rng):
        if not count:
            return
        organiser = Sampler(ORGANISER_WEIGHT, ORGANISER_WEIGHT.values(), rng)
        names = {
            "municipality": "{}（主催）",
            "company": "{}商工会議所 会員企業",
            "school": "{}立 中学校",
            "npo": "{}地域福祉ネットワーク",
            "other": "{}自治会連合会",
        }
        municipality_names = dict(Municipality.objects.values_list("pk", "name"))
        prefecture_of = dict(Municipality.objects.values_list("pk", "prefecture_id"))
        seen = set(TrainingSession.objects.values_list("fingerprint", flat=True))
        rows, counts = [], Counter()
        while len(rows) < count:
            kind = organiser()
            is_child = kind == "school" and children and rng.random() < 0.6
            session = TrainingSession(
                held_on=day(),
                municipality_id=place(),
                organiser_type=kind,
                course_id=rng.choice(children if is_child else citizens),
                instructor_name="デモ講師",
                delivery=TrainingSession.Delivery.IN_PERSON
                if rng.random() < 0.85
                else TrainingSession.Delivery.LIVE_ONLINE,
            )
            session.organiser_name = names[kind].format(municipality_names[session.municipality_id])
            size = rng.randrange(8, 80)
            if is_child:
                session.attendees_child = size
            elif kind == "company":
                session.attendees_workplace = size
            elif kind == "school":
                session.attendees_school = size
            else:
                session.attendees_general = int(size * 0.8)
                session.attendees_npo = size - session.attendees_general
            session.fiscal_year = (
                session.held_on.year if session.held_on.month >= 4 else session.held_on.year - 1
            )
            session.fingerprint = session.compute_fingerprint()
            if session.fingerprint in seen:
                continue
            seen.add(session.fingerprint)
            rows.append(session)
            for attendee_type, field in ATTENDEE_COUNT_FIELDS.items():
                n = getattr(session, field)
                if n:
                    key = tallies.TallyKey(
                        session.held_on,
                        session.municipality_id,
                        prefecture_of[session.municipality_id],
                        session.course_id,
                        Channel.IN_PERSON,
                        str(attendee_type),
                    )
                    counts[key] += n
        TrainingSession.objects.bulk_create(rows, batch_size=2000)
        tallies.apply(counts)
