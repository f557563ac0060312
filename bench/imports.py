"""Imports through django-import-export: the project's resources (full validation, bulk writes,
all-or-nothing) against django-import-export's default row-by-row import of the same file.

    python bench/imports.py [--roster-rows 50000] [--session-rows 10000]

A SQLite database (production settings) gets the demo content and the 1,916 municipalities;
two CSV files are generated (a 50,000-row staff roster of 大阪市, a 10,000-row national session
report). Every import runs in its own process on its own copy of that database, so each starts
from the same state and its peak RSS (``getrusage``) is its own:

- ``StaffRosterResource(municipality=…)`` through ``run_import`` (dry run — the admin preview —
  then the real import, which also creates the staff accounts), against a plain
  ``ModelResource`` with the same columns (``ForeignKeyWidget`` for 所属), row by row;
- ``TrainingSessionResource(scope=NATION)`` (dry run, then the import with tallies), against a
  plain ``ModelResource`` (``ForeignKeyWidget`` for municipality and course), row by row.

Target: the project's import ≥ 5 × the rows/s of the default import (wall clock). Each run
also reports its CPU seconds (``cpu_s``, and the ``*_cpu`` ratios), which other work on a
shared machine moves less than the wall clock.
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support.common import (  # noqa: E402
    CACHE,
    ROOT,
    emit,
    peak_rss_mb,
    production_env,
    seeded_database,
)

MUNICIPALITY = "271004"  # 大阪市: the roster's municipality
BASELINE_MUNICIPALITY = "131016"  # 千代田区: same file, default import, another municipality
MAX_BYTES = 64 * 1024 * 1024
SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "さくら", "翔", "陽菜", "大輔", "結衣"]
BUREAUS = ["福祉局", "健康局", "こども青少年局", "市民局", "都市計画局"]
DEPARTMENTS = [f"{bureau} 第{n}課" for bureau in BUREAUS for n in range(1, 9)]
ATTENDEE_COLUMNS = [
    "一般",
    "企業・職域",
    "学校・学生",
    "行政職員",
    "NPO・支援者",
    "こども",
    "その他",
]
AGE_COLUMNS = ["10代以下", "20代", "30代", "40代", "50代", "60代", "70代以上"]


def write_files(roster_rows: int, session_rows: int) -> tuple[Path, Path]:
    """The two CSV files (UTF-8 with BOM, as Excel saves them); deterministic."""
    import django

    django.setup()
    from organizations.models import Municipality
    from reports.resources import TrainingSessionResource

    rng = random.Random(8)  # noqa: S311 - test data
    roster = CACHE / f"roster-{roster_rows}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["職員番号", "氏名", "ふりがな", "所属", "メールアドレス", "在職区分"])
    for i in range(roster_rows):
        writer.writerow(
            [
                f"{i + 1:07d}",
                f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                "しょくいん",
                rng.choice(DEPARTMENTS),
                f"staff{i + 1}@city.example.lg.jp",
                "在職",
            ]
        )
    roster.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")

    sessions = CACHE / f"sessions-{session_rows}.csv"
    codes = list(Municipality.objects.values_list("code", flat=True))
    headers = TrainingSessionResource.template_headers()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    values = {
        "開催日": None,
        "市区町村コード": None,
        "主催者の種別": "自治体",
        "主催者名": None,
        "講座の種類": "TS",
        "講師名": "つながり 講師",
        "実施方法": "対面",
        "会場": "市民会館",
        "主な意見": "参考になった",
    }
    for i in range(session_rows):
        day = 1 + i % 28
        month = 4 + (i // 28) % 9
        row = {
            **values,
            "開催日": f"2025-{month:02d}-{day:02d}",
            "市区町村コード": rng.choice(codes),
            "主催者名": f"つながり研修会 第{i + 1}回",
        }
        attendees = {h: rng.randint(0, 30) for h in ATTENDEE_COLUMNS}
        total = sum(attendees.values())
        row.update(attendees)
        row.update({h: total // len(AGE_COLUMNS) for h in AGE_COLUMNS})
        row.update({"女性": total // 2, "男性": total - total // 2, "その他・無回答": 0})
        row.update({"アンケート回答数": total, "肯定的回答数": total // 2})
        writer.writerow([row.get(h, "") for h in headers])
    sessions.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    return roster, sessions


def plain_resources():
    """django-import-export's defaults: a ModelResource per model, no bulk, row by row."""
    from import_export import fields, resources, widgets

    from base.dates import fiscal_year_of
    from courses.models import CoursePage
    from organizations.models import Department, Municipality, StaffMember
    from organizations.resources import StaffRosterResource
    from reports.models import TrainingSession
    from reports.resources import TrainingSessionResource

    class DepartmentWidget(widgets.ForeignKeyWidget):
        def __init__(self, municipality):
            super().__init__(Department, field="name")
            self.municipality = municipality

        def get_queryset(self, value, row, *args, **kwargs):
            return Department.objects.filter(municipality=self.municipality)

    class PlainStaffResource(resources.ModelResource):
        def __init__(self, municipality):
            super().__init__()
            self.municipality = municipality
            self.fields["department"].widget = DepartmentWidget(municipality)

        def get_queryset(self):
            return StaffMember.objects.filter(municipality=self.municipality)

        def before_save_instance(self, instance, row, **kwargs):
            instance.municipality = self.municipality

    names = ["staff_number", "name", "name_kana", "department", "email", "status"]
    attrs = {
        name: fields.Field(attribute=name, column_name=StaffRosterResource.fields[name].column_name)
        for name in names
    }
    attrs["Meta"] = type(
        "Meta", (), {"model": StaffMember, "fields": names, "import_id_fields": ["staff_number"]}
    )
    staff_resource = type("PlainStaffResource", (PlainStaffResource,), attrs)

    class PlainSessionResource(resources.ModelResource):
        def before_save_instance(self, instance, row, **kwargs):
            instance.fiscal_year = fiscal_year_of(instance.held_on)
            instance.fingerprint = instance.compute_fingerprint()

    widgets_of = {
        "held_on": widgets.DateWidget("%Y-%m-%d"),
        "municipality": widgets.ForeignKeyWidget(Municipality, field="code"),
        "course": widgets.ForeignKeyWidget(CoursePage, field="course_code"),
    }
    session_fields = list(TrainingSessionResource._meta.fields)
    attrs = {
        name: fields.Field(
            attribute=name,
            column_name=TrainingSessionResource.fields[name].column_name,
            widget=widgets_of.get(name),
        )
        for name in session_fields
    }
    attrs["Meta"] = type(
        "Meta",
        (),
        {"model": TrainingSession, "fields": session_fields, "force_init_instance": True},
    )
    session_resource = type("PlainSessionResource", (PlainSessionResource,), attrs)
    return staff_resource, session_resource


def _time_account_creation(figures: dict) -> None:
    """Time the roster's account creation (after the rows are written; the default import has
    nothing like it) by wrapping the function the resource calls."""
    from organizations import services

    original = services.roster_sync_accounts

    def timed(**kwargs):
        began = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            figures["accounts_s"] = round(time.perf_counter() - began, 2)

    services.roster_sync_accounts = timed


class QueryCounter:
    """Counts statements (CaptureQueriesContext keeps only the last 9,000)."""

    count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_one(kind: str, path: Path) -> dict:
    """One import in this process (its own database copy); figures as a dict."""
    import django

    django.setup()
    import tablib
    from django.db import connection

    from base.imports import read_dataset, run_import
    from organizations.models import Department, Municipality, StaffMember
    from organizations.resources import StaffRosterResource
    from organizations.scopes import NATION
    from reports.models import TrainingSession
    from reports.resources import TrainingSessionResource

    counter = QueryCounter()
    figures = {}
    began = time.perf_counter()
    cpu_began = time.process_time()
    if kind in ("roster", "sessions"):
        if kind == "roster":
            municipality = Municipality.objects.get(code=MUNICIPALITY)
            _time_account_creation(figures)

            def resource():
                return StaffRosterResource(municipality=municipality, mode="whole")
        else:

            def resource():
                return TrainingSessionResource(scope=NATION)

        with path.open("rb") as handle:
            dataset = read_dataset(handle, max_bytes=MAX_BYTES)
        dry = run_import(resource(), dataset, dry_run=True)
        figures["dry_run_s"] = round(time.perf_counter() - began, 2)
        assert dry.is_valid, [str(e) for e in dry.errors[:5]]
        began = time.perf_counter()
        cpu_began = time.process_time()
        with path.open("rb") as handle:
            dataset = read_dataset(handle, max_bytes=MAX_BYTES)
        with connection.execute_wrapper(counter):
            outcome = run_import(resource(), dataset, dry_run=False)
        assert outcome.is_valid, [str(e) for e in outcome.errors[:5]]
        figures["new"] = outcome.new
    else:
        staff_resource, session_resource = plain_resources()
        if kind == "roster-default":
            municipality = Municipality.objects.get(code=BASELINE_MUNICIPALITY)
            Department.objects.bulk_create(
                [Department(municipality=municipality, name=name) for name in DEPARTMENTS]
            )
            resource = staff_resource(municipality)
            began = time.perf_counter()
            cpu_began = time.process_time()
        else:
            resource = session_resource()
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8-sig"), format="csv")
        with connection.execute_wrapper(counter):
            result = resource.import_data(dataset, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()
        figures["new"] = result.totals.get("new", 0)
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    model = StaffMember if kind.startswith("roster") else TrainingSession
    figures.update(
        {
            "rows_in_db": model.objects.count(),
            "seconds": round(seconds, 2),
            # CPU time of this process (the database is in-process SQLite): less moved by
            # other work on the machine than the wall-clock seconds the target is judged on.
            "cpu_s": round(cpu_seconds, 2),
            "rows_per_s": round(figures["new"] / seconds, 1),
            "queries": counter.count,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    return figures


def _cpu_ratio(default: dict, project: dict) -> float:
    """How many times less CPU per row the project's import took (same rows on both sides)."""
    return round(default["cpu_s"] / project["cpu_s"], 2)


def _child(env: dict, *args: str) -> dict:
    result = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster-rows", type=int, default=50_000)
    parser.add_argument("--session-rows", type=int, default=10_000)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        roster, sessions = write_files(args.roster_rows, args.session_rows)
        print(json.dumps({"roster": str(roster), "sessions": str(sessions)}))
        return
    if args.run:
        print(json.dumps(run_one(args.run, Path(args.file))))
        return

    began = time.monotonic()
    url = seeded_database("sqlite", "imports")
    base = Path(url.removeprefix("sqlite:///"))
    files = _child(
        production_env(url),
        "--generate",
        f"--roster-rows={args.roster_rows}",
        f"--session-rows={args.session_rows}",
    )
    setup = time.monotonic() - began
    runs = {}
    for name, kind, file in (
        ("roster", "roster", files["roster"]),
        ("roster_default", "roster-default", files["roster"]),
        ("sessions", "sessions", files["sessions"]),
        ("sessions_default", "sessions-default", files["sessions"]),
    ):
        copy = CACHE / f"imports-{kind}.sqlite3"
        for suffix in ("-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
        shutil.copyfile(base, copy)
        runs[name] = _child(production_env(f"sqlite:///{copy}"), f"--run={kind}", f"--file={file}")
        copy.unlink()
    roster_ratio = round(runs["roster"]["rows_per_s"] / runs["roster_default"]["rows_per_s"], 2)
    roster = runs["roster"]
    # The same rows without creating the 50,000 staff accounts (which the default import
    # does not do): for comparison only, the target is judged on the full import.
    roster_rows_only = round(
        roster["new"]
        / (roster["seconds"] - roster.get("accounts_s", 0))
        / runs["roster_default"]["rows_per_s"],
        2,
    )
    sessions_ratio = round(
        runs["sessions"]["rows_per_s"] / runs["sessions_default"]["rows_per_s"], 2
    )
    targets = {"roster_ratio>=5": roster_ratio >= 5, "sessions_ratio>=5": sessions_ratio >= 5}
    emit(
        "imports",
        {
            "database": "sqlite",
            "roster_rows": args.roster_rows,
            "roster_file_mb": round(Path(files["roster"]).stat().st_size / 1024 / 1024, 2),
            "session_rows": args.session_rows,
            "sessions_file_mb": round(Path(files["sessions"]).stat().st_size / 1024 / 1024, 2),
            "results": runs,
            "ratios": {
                "roster_rows_per_s": roster_ratio,
                "roster_cpu": _cpu_ratio(runs["roster_default"], runs["roster"]),
                "sessions_cpu": _cpu_ratio(runs["sessions_default"], runs["sessions"]),
                "roster_rows_per_s_without_accounts": roster_rows_only,
                "sessions_rows_per_s": sessions_ratio,
            },
            "setup_s": round(setup, 1),
            "targets": targets,
            "meets_target": all(targets.values()),
        },
    )


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
