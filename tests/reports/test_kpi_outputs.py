"""The same KPI figures, scoped the same way, on the dashboard, in exports, the API, the CLI
and open data."""

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.models import APIToken

from organizations.models import AdminScope
from organizations.scopes import NATION
from reports.figures import kpi_report
from reports.models import KpiTarget
from reports.open_data import build_files
from reports.tables import TABLES, Table
from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db
FY = 2025


@pytest.fixture
def world(django_user_model):
    from django.contrib.auth.models import Permission

    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    tokyo = factories.prefecture(code="13", name="東京都")
    shinjuku = factories.municipality(code="131041", name="新宿区", pref=tokyo, kind="special_ward")
    course = factories.course(audience="citizen", lessons=1)
    may = dt.datetime(2025, 5, 12, 10, tzinfo=TOKYO)
    for place, n in ((osaka, 4), (sakai, 2), (shinjuku, 3)):
        for _i in range(n):
            factories.completion(course, municipality=place, at=may)
    factories.training_session(
        course, municipality=shinjuku, held_on=dt.date(2025, 7, 1), attendees_general=20
    )
    access = Permission.objects.get(codename="access_admin")

    def admin(username, **scope):
        user = django_user_model.objects.create_user(username, password="pw-Secret-1")
        user.user_permissions.add(access)
        if scope:
            AdminScope.objects.create(user=user, **scope)
        return user

    return {
        "osaka": osaka,
        "shinjuku": shinjuku,
        "course": course,
        "national": django_user_model.objects.create_superuser("national", password="pw-Secret-1"),
        "osaka_admin": admin("osaka-admin", level="municipality", municipality=osaka),
        "tokyo_admin": admin("tokyo-admin", level="prefecture", prefecture=tokyo),
        "nobody": admin("editor"),
    }


def api(client, **params):
    return client.get("/api/kpi/", {"fiscal_year": FY, **params})


def test_api_document_has_the_promised_shape_and_rows_add_up(client, world):
    client.force_login(world["national"])
    response = api(client)
    assert response.status_code == 200
    doc = response.json()
    assert doc["fiscal_year"] == FY
    assert doc["area"] == {"level": "nation", "code": None, "name": "全国"}
    assert doc["total"]["actual"] == 29
    assert (doc["total"]["online"], doc["total"]["in_person"]) == (9, 20)
    assert len(doc["by_month"]) == 12 and doc["by_month"][1] == {
        "month": "2025-05",
        "actual": 9,
        "online": 9,
        "in_person": 0,
        "target": None,
    }
    assert doc["by_attendee_type"]["一般"] == 29
    assert sum(row["actual"] for row in doc["rows"]) == doc["total"]["actual"]
    assert {row["code"]: row["actual"] for row in doc["rows"] if row["actual"]} == {
        "13": 23,
        "27": 6,
    }

    prefecture = api(client, prefecture="27").json()
    assert prefecture["area"]["level"] == "prefecture"
    assert [(r["code"], r["actual"]) for r in prefecture["rows"]] == [
        ("271004", 4),
        ("271403", 2),
    ]


def test_cli_json_is_the_api_document(client, world):
    client.force_login(world["national"])
    from_api = api(client, prefecture="13").json()
    out = io.StringIO()
    call_command(
        "kpi_report", "--fiscal-year", str(FY), "--prefecture", "13", "--format", "json", stdout=out
    )
    from_cli = json.loads(out.getvalue())
    from_api.pop("generated_at")
    from_cli.pop("generated_at")
    assert from_cli == from_api


def test_cli_csv_and_table_show_the_same_rows(world):
    out = io.StringIO()
    call_command(
        "kpi_report", "--fiscal-year", str(FY), "--prefecture", "27", "--format", "csv", stdout=out
    )
    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["コード", "地域", "実績"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("271004", "4"), ("271403", "2")]
    table = io.StringIO()
    call_command("kpi_report", "--fiscal-year", str(FY), stdout=table)
    assert "東京都" in table.getvalue() and "29" in table.getvalue()


def test_a_municipal_administrator_sees_only_their_municipality_everywhere(client, world):
    client.force_login(world["osaka_admin"])
    own = api(client)
    assert own.status_code == 200
    assert own.json()["area"] == {"level": "municipality", "code": "271004", "name": "大阪府大阪市"}
    assert own.json()["total"]["actual"] == 4
    for params in (
        {"prefecture": "27"},
        {"prefecture": "13"},
        {"municipality": "131041"},
        {"municipality": "271403"},
    ):
        assert api(client, **params).status_code == 403, params

    dashboard = reverse("kpi_dashboard")
    assert client.get(dashboard).status_code == 200
    for params in ({"prefecture": "13"}, {"municipality": "131041"}, {"prefecture": "27"}):
        response = client.get(dashboard, {"fiscal_year": FY, **params})
        assert response.status_code in (302, 403), params
        response = client.get(dashboard, {"fiscal_year": FY, "export": "csv", **params})
        assert response.status_code in (302, 403), params

    with pytest.raises(CommandError):
        call_command(
            "kpi_report",
            "--fiscal-year",
            str(FY),
            "--prefecture",
            "13",
            "--user",
            "osaka-admin",
            stdout=io.StringIO(),
        )
    out = io.StringIO()
    call_command(
        "kpi_report",
        "--fiscal-year",
        str(FY),
        "--user",
        "osaka-admin",
        "--format",
        "json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["total"]["actual"] == 4


def test_a_prefectural_administrator_sees_their_prefecture_and_its_municipalities(client, world):
    client.force_login(world["tokyo_admin"])
    assert api(client).json()["area"]["code"] == "13"
    assert api(client, municipality="131041").json()["total"]["actual"] == 23
    assert api(client, prefecture="27").status_code == 403
    assert api(client, municipality="271004").status_code == 403
    assert client.get("/api/kpi/", {"fiscal_year": FY, "prefecture": "13"}).status_code == 200


def test_people_without_an_area_get_no_figures(client, world):
    assert api(client).status_code == 401
    client.force_login(world["nobody"])
    assert api(client).status_code == 403
    assert client.get(reverse("kpi_dashboard")).status_code in (302, 403)


def test_an_api_token_reads_as_its_user(client, world):
    _token, plaintext = APIToken.create_token(user=world["osaka_admin"], name="BI")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    response = client.get("/api/kpi/", {"fiscal_year": FY}, **headers)
    assert response.status_code == 200 and response.json()["total"]["actual"] == 4
    assert (
        client.get("/api/kpi/", {"fiscal_year": FY, "prefecture": "13"}, **headers).status_code
        == 403
    )
    bad = client.get("/api/kpi/", {"fiscal_year": FY}, HTTP_AUTHORIZATION="Bearer wagtail_nope")
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"fiscal_year": "abc"}, 400),
        ({"fiscal_year": "1999"}, 400),
        ({}, 400),
        ({"fiscal_year": FY, "prefecture": "99"}, 400),
        ({"fiscal_year": FY, "municipality": "12'; drop"}, 400),
        ({"fiscal_year": FY, "municipality": "999999"}, 404),
    ],
)
def test_bad_api_parameters_get_a_clear_4xx(client, world, params, status):
    client.force_login(world["national"])
    response = client.get("/api/kpi/", params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_openapi_schema_documents_the_kpi_endpoint(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/kpi/" in schema["paths"]
    assert "fiscal_year" in json.dumps(schema["paths"]["/api/kpi/"]["get"]["parameters"])


def test_dashboard_shows_the_report_and_exports_open_in_excel(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["national"])
    url = reverse("kpi_dashboard")
    with django_assert_max_num_queries(40):
        response = client.get(url, {"fiscal_year": FY})
    html = response.content.decode()
    assert response.status_code == 200
    assert "東京都" in html and "強化月間" in html and "<svg" in html
    assert "月別の養成数と目標（グラフの数値）" in html  # the chart's table equivalent

    response = client.get(url, {"fiscal_year": FY, "export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and "\r\n" in body
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    report = kpi_report(scope=NATION, fiscal_year=FY)
    assert [int(r[2]) for r in rows[1:]] == [row.actual for row in report.rows]

    response = client.get(url, {"fiscal_year": FY, "export": "xlsx", "table": "months"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    # A titled report: title, 年度, 地域, 作成日時, a blank row, then the table.
    assert sheet.cell(1, 1).value == "KPI（つながりサポーター養成数）"
    assert (sheet.cell(2, 1).value, sheet.cell(2, 2).value) == ("年度", f"{FY}年度")
    assert sheet.cell(6, 1).value == "月"
    assert [sheet.cell(r, 2).value for r in range(7, 19)] == [m.actual for m in report.by_month]

    drill = client.get(url, {"fiscal_year": FY, "prefecture": "13", "ordering": "-actual"})
    assert drill.status_code == 200 and "新宿区" in drill.content.decode()


def test_a_table_registered_once_is_offered_by_the_dashboard_and_the_command(
    client, world, monkeypatch
):
    """Adding a KPI export is one entry in reports.tables.TABLES: the dashboard lists it with
    CSV and XLSX links whose files carry its headings, and ``kpi_report --table`` writes it."""
    channels = Table(
        "channels",
        "受講方法別",
        ("受講方法", "人数"),
        lambda report: [["オンライン", report.total.online], ["講座", report.total.in_person]],
    )
    monkeypatch.setitem(TABLES, "channels", channels)
    client.force_login(world["national"])
    url = reverse("kpi_dashboard")
    html = client.get(url, {"fiscal_year": FY}).content.decode()
    downloads = html[html.index('id="kpi-downloads-heading"') :]
    for table in TABLES.values():
        assert f"{table.title}:" in downloads
    assert "table=channels&amp;export=csv" in downloads

    response = client.get(url, {"fiscal_year": FY, "table": "channels", "export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    report = kpi_report(scope=NATION, fiscal_year=FY)
    assert rows == [["受講方法", "人数"], ["オンライン", str(report.total.online)], ["講座", "20"]]

    out = io.StringIO()
    call_command(
        "kpi_report", "--fiscal-year", str(FY), "--format", "csv", "--table", "channels", stdout=out
    )
    assert list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff")))) == rows


def test_admin_home_shows_the_summary_for_the_administrators_area(client, world):
    client.force_login(world["osaka_admin"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "つながりサポーター養成数" in html and "大阪府大阪市" in html


def test_progress_pace_and_projection_without_and_with_a_monthly_split(world):
    KpiTarget.objects.create(fiscal_year=FY, level="nation", target=3650)
    mid_year = dt.date(2025, 9, 30)  # 183 of 365 days
    report = kpi_report(scope=NATION, fiscal_year=FY, today=mid_year)
    share = 183 / 365
    assert report.total.progress == round(29 / 3650, 4)
    assert report.total.elapsed_share == round(share, 4)
    assert report.total.pace == round(29 / (3650 * share), 4)
    assert report.total.projection == round(29 / share)
    assert sum(m.target for m in report.by_month) == 3650
    assert report.target_split == "days"

    split = dict.fromkeys([f"month_{m:02d}" for m in range(1, 13)], 250)
    split["month_05"] = 900
    split["month_04"] = 0
    target = KpiTarget.objects.get(level="nation")
    for name, value in split.items():
        setattr(target, name, value)
    target.target = sum(split.values())
    target.full_clean()
    target.save()
    report = kpi_report(scope=NATION, fiscal_year=FY, today=mid_year)
    # April–September are over: 0 + 900 + 4 × 250 of the year's 3400.
    planned = (0 + 900 + 250 * 4) / 3400
    assert report.target_split == "monthly"
    assert report.total.elapsed_share == round(planned, 4)
    assert report.total.pace == round(29 / (3400 * planned), 4)
    assert [m.target for m in report.by_month][:2] == [0, 900]

    after = kpi_report(scope=NATION, fiscal_year=FY, today=dt.date(2026, 6, 1))
    assert after.total.projection == 29 and after.total.elapsed_share == 1.0


def test_a_monthly_split_must_add_up_to_the_target():
    from django.core.exceptions import ValidationError

    target = KpiTarget(fiscal_year=FY, level="nation", target=100, month_04=10)
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "12か月" in str(error.value)


def test_open_data_merges_small_online_cells_and_has_no_personal_data(client, world):
    body = client.get(f"/opendata/supporters-{FY}.csv").content.decode("utf-8")
    assert body.startswith("\ufeff")
    # The first row is the header: any CSV reader takes it for the header.
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    assert not body.lstrip("\ufeff").startswith("#")
    assert list(rows[0]) == [
        "fiscal_year",
        "month",
        "prefecture_code",
        "prefecture_name",
        "municipality_code",
        "municipality_name",
        "channel",
        "attendee_type",
        "supporters",
    ]
    published = {
        (r["municipality_code"], r["month"], r["channel"]): int(r["supporters"]) for r in rows
    }
    # 4 in Osaka city and 3 in Shinjuku are published; Sakai's 2 are merged into Osaka prefecture's
    # remainder, which is itself below 3 and so goes to the national remainder (also below 3):
    # withheld, and the description beside the table says so.
    assert published[("271004", "2025-05", "オンライン（eラーニング）")] == 4
    assert published[("131041", "2025-05", "オンライン（eラーニング）")] == 3
    assert published[("131041", "2025-07", "講座（対面・ライブ配信）")] == 20
    assert not any(code == "271403" for code, _m, _c in published)
    assert all(int(r["supporters"]) >= 3 for r in rows if r["channel"].startswith("オンライン"))
    package = client.get(f"/opendata/supporters-{FY}.datapackage.json").json()
    assert package["suppression"]["withheld_supporters"] == 2
    assert "（2人）は掲載していません" in package["description"]
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["resources"][0]["path"] == f"supporters-{FY}.csv"
    assert sum(int(r["supporters"]) for r in rows) + 2 == 29


def test_open_data_for_an_impossible_year_is_not_found(client):
    assert client.get("/opendata/supporters-1990.csv").status_code == 404


def test_open_data_document_is_rebuilt_from_tallies(world):
    assert "271004" in build_files(FY).csv


def test_a_municipality_report_is_two_queries_with_its_target_and_population(
    world, django_assert_max_num_queries
):
    from reports.models import Population

    shinjuku = world["shinjuku"]
    split = dict.fromkeys([f"month_{m:02d}" for m in range(1, 13)], 10)
    split["month_05"] = 30
    KpiTarget.objects.create(
        fiscal_year=FY, level="municipality", municipality=shinjuku, target=140, **split
    )
    Population.objects.create(
        municipality=shinjuku, fiscal_year=FY, population=350000, as_of=dt.date(2025, 1, 1)
    )
    factories.completion(
        world["course"], municipality=shinjuku, at=dt.datetime(2024, 6, 1, 10, tzinfo=TOKYO)
    )

    # Resolving the area, then its cells, cumulative total, target and population at once.
    with django_assert_max_num_queries(2):
        report = kpi_report(scope=NATION, fiscal_year=FY, municipality="131041")
    assert (report.total.online, report.total.in_person) == (3, 20)
    assert report.total.cumulative == 24  # the FY2024 completion too
    assert report.total.target == 140 and report.target_split == "monthly"
    assert [m.target for m in report.by_month][:2] == [10, 30]
    assert report.total.population == 350000
    assert report.total.rate_per_10000 == round(23 * 10000 / 350000, 2)
    assert report.rows[0].target == 140 and report.rows[0].actual == 23

    # A municipality nothing was counted in yet still shows its target and population.
    quiet = factories.municipality(code="474827", name="与那国町", pref=factories.prefecture("47", "沖縄県"), kind="town")  # fmt: skip
    KpiTarget.objects.create(fiscal_year=FY, level="municipality", municipality=quiet, target=5)
    Population.objects.create(
        municipality=quiet, fiscal_year=FY, population=1700, as_of=dt.date(2025, 1, 1)
    )
    report = kpi_report(scope=NATION, fiscal_year=FY, municipality="474827")
    assert (report.total.actual, report.total.cumulative) == (0, 0)
    assert (report.total.target, report.total.population) == (5, 1700)
    assert report.target_split == "days"


@pytest.mark.parametrize("value", ["²", "٢٠٢٥", "9" * 5000, "2025 ", "-1"])
def test_a_fiscal_year_that_is_no_plain_number_shows_this_year(client, world, value):
    """Digits of other scripts ("²", Arabic-Indic) pass str.isdigit() but are no year here;
    the dashboard shows the current year instead of failing (found by tests/test_admin_fuzzing)."""
    client.force_login(world["national"])
    response = client.get(reverse("kpi_dashboard"), {"fiscal_year": value})
    assert response.status_code == 200
