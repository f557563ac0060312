"""Importing session reports, targets and population: all or nothing, per-row errors in
Japanese, Shift_JIS and Excel habits, scope and duplicates refused, tallies kept."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from base.imports import read_dataset, run_import
from organizations.models import AdminScope
from organizations.scopes import NATION, AreaScope
from reports import tallies
from reports.figures import kpi_report
from reports.models import KpiTarget, Population, TrainingSession
from reports.resources import KpiTargetResource, PopulationResource, TrainingSessionResource
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "開催日,市区町村コード,主催者の種別,主催者名,講座の種類,講師名,実施方法,会場,一般,企業・職域,こども"


@pytest.fixture
def places():
    osaka = factories.municipality()
    tokyo = factories.prefecture("13", "東京都")
    shinjuku = factories.municipality(code="131041", name="新宿区", pref=tokyo, kind="special_ward")
    factories.course(audience="citizen", lessons=1)
    factories.course(audience="children", lessons=1)
    return {"osaka": osaka, "shinjuku": shinjuku}


def upload(text: str, encoding="utf-8", name="sessions.csv"):
    return SimpleUploadedFile(name, text.encode(encoding))


def sessions_csv(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = [
    "2025-05-10,271004,自治体,大阪市福祉局,一般向け,山田講師,対面,市民ホール,30,5,0",
    "2025/6/1,１３１０４１,企業,新宿商事,一般,佐藤講師,オンライン,,0,25,0",
    "2025年7月3日,131041,学校,新宿区立中学校,こども向け,鈴木講師,対面,体育館,0,0,80",
]


def test_a_valid_shift_jis_file_imports_every_session_and_counts_attendees(places):
    dataset = read_dataset(upload(sessions_csv(*GOOD), encoding="cp932"))
    preview = run_import(TrainingSessionResource(scope=NATION), dataset, dry_run=True)
    assert preview.is_valid and preview.new == 3
    assert not TrainingSession.objects.exists()

    outcome = run_import(TrainingSessionResource(scope=NATION), dataset, dry_run=False)
    assert outcome.is_valid, outcome.errors
    assert TrainingSession.objects.count() == 3
    report = kpi_report(scope=NATION, fiscal_year=2025)
    assert report.total.in_person == 140
    assert report.by_attendee_type["こども"] == 80
    assert tallies.verify().ok


def test_three_bad_rows_are_reported_exactly_and_nothing_is_written(places):
    text = sessions_csv(
        GOOD[0],
        "2025-13-40,271004,自治体,大阪市,一般向け,講師,対面,,10,0,0",  # row 3: date
        GOOD[1],
        "2025-06-02,999999,自治体,どこか,一般向け,講師,対面,,10,0,0",  # row 5: municipality
        "2025-06-03,271004,宇宙人,大阪市,一般向け,講師,対面,,-4,0,0",  # row 6: type, count
        GOOD[2],
        "",
        ",,,,,,,,,,",  # Excel's trailing empty rows
    )
    outcome = run_import(
        TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=False
    )
    assert not outcome.is_valid
    assert sorted({e.row for e in outcome.errors}) == [3, 5, 6]
    columns = {(e.row, e.column) for e in outcome.errors}
    assert (3, "開催日") in columns and (5, "市区町村コード") in columns
    assert (6, "主催者の種別") in columns and (6, "一般") in columns
    assert all(e.message for e in outcome.errors)
    assert not TrainingSession.objects.exists()
    assert kpi_report(scope=NATION, fiscal_year=2025).total.actual == 0


def test_a_report_already_registered_or_twice_in_the_file_is_a_duplicate(places):
    run_import(
        TrainingSessionResource(scope=NATION),
        read_dataset(upload(sessions_csv(GOOD[0]))),
        dry_run=False,
    )
    text = sessions_csv(GOOD[0], GOOD[1], GOOD[1])
    outcome = run_import(
        TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=False
    )
    messages = {e.row: e.message for e in outcome.errors}
    assert set(messages) == {2, 4}
    assert "すでに登録" in messages[2] and "3行目" in messages[4]
    assert TrainingSession.objects.count() == 1


def test_a_municipal_administrator_cannot_import_another_municipalitys_sessions(places):
    scope = AreaScope(level="municipality", municipality_id=places["osaka"].pk)
    outcome = run_import(
        TrainingSessionResource(scope=scope),
        read_dataset(upload(sessions_csv(*GOOD))),
        dry_run=False,
    )
    assert {e.row for e in outcome.errors} == {3, 4}
    assert all("権限" in e.message for e in outcome.errors)
    assert not TrainingSession.objects.exists()


def test_xlsx_with_excel_numbers_imports(places):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "2025-05-10",
            271004.0,
            "自治体",
            "大阪市",
            "一般向け",
            "講師",
            "対面",
            None,
            12.0,
            None,
            None,
        ]
    )
    sheet.append([None] * 11)
    buffer = io.BytesIO()
    workbook.save(buffer)
    dataset = read_dataset(
        upload("", name="s.xlsx") if False else SimpleUploadedFile("s.xlsx", buffer.getvalue())
    )
    outcome = run_import(TrainingSessionResource(scope=NATION), dataset, dry_run=False)
    assert outcome.is_valid, outcome.errors
    assert TrainingSession.objects.get().attendees_general == 12


def test_import_sessions_command_prints_row_errors_and_exits_1(places, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(
        sessions_csv(GOOD[0], "2025-06-02,999999,自治体,x,一般向け,講師,対面,,1,0,0"),
        encoding="utf-8-sig",
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("import_sessions", str(path))
    assert exit_.value.code == 1
    assert "row 3, column 市区町村コード:" in capsys.readouterr().err
    assert not TrainingSession.objects.exists()
    path.write_text(sessions_csv(*GOOD), encoding="utf-8")
    call_command("import_sessions", str(path), "--dry-run")
    assert not TrainingSession.objects.exists()
    call_command("import_sessions", str(path))
    assert TrainingSession.objects.count() == 3


def test_targets_import_with_monthly_split_and_updates_on_reimport(places):
    months = ",".join(f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3))
    text = (
        f"地域コード,地域名,年間目標,{months}\n"
        "全国,全国,12000,500,3000,1000,1000,1000,1000,1000,1000,500,500,500,1000\n"
        "27,大阪府,800,,,,,,,,,,,,\n"
        '271004,大阪市,"1,200",,,,,,,,,,,,\n'
    )
    outcome = run_import(
        KpiTargetResource(scope=NATION, fiscal_year=2025), read_dataset(upload(text)), dry_run=False
    )
    assert outcome.is_valid, outcome.errors
    nation = KpiTarget.objects.get(level="nation", fiscal_year=2025)
    assert nation.monthly_split()[1] == 3000
    assert KpiTarget.objects.get(municipality=places["osaka"]).target == 1200

    again = "地域コード,年間目標\n271004,1500\n"
    outcome = run_import(
        KpiTargetResource(scope=NATION, fiscal_year=2025),
        read_dataset(upload(again)),
        dry_run=False,
    )
    assert outcome.updated == 1 and outcome.new == 0
    assert KpiTarget.objects.get(municipality=places["osaka"]).target == 1500


def test_a_split_that_does_not_add_up_and_an_area_out_of_scope_are_refused(places):
    text = "地域コード,年間目標,4月,5月\n271004,100,50,50\n131041,10,,\n"
    scope = AreaScope(level="municipality", municipality_id=places["osaka"].pk)
    outcome = run_import(
        KpiTargetResource(scope=scope, fiscal_year=2025), read_dataset(upload(text)), dry_run=False
    )
    assert {e.row for e in outcome.errors} == {2, 3}
    assert not KpiTarget.objects.exists()


def test_population_import_gives_the_training_rate(places):
    text = "団体コード,市区町村名,人口\n271004,大阪市,2750000\n27140,堺市,820000\n"
    factories.municipality(code="271403", name="堺市")
    outcome = run_import(
        PopulationResource(fiscal_year=2025), read_dataset(upload(text)), dry_run=False
    )
    assert outcome.is_valid, outcome.errors
    assert Population.objects.count() == 2
    factories.training_session(
        factories.course(audience="citizen", lessons=1),
        municipality=places["osaka"],
        held_on=__import__("datetime").date(2025, 5, 1),
        attendees_general=275,
    )
    report = kpi_report(scope=NATION, fiscal_year=2025, municipality="271004")
    assert report.total.population == 2750000
    assert report.total.rate_per_10000 == 1.0
    prefecture = kpi_report(scope=NATION, fiscal_year=2025, prefecture="27")
    assert prefecture.total.population == 3570000


def test_the_admin_import_screen_previews_then_imports_on_confirmation(
    client, places, django_user_model
):
    user = django_user_model.objects.create_user("osaka-admin", password="pw-Secret-1")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_trainingsession"),
        Permission.objects.get(codename="approve_trainingsession"),
    )
    AdminScope.objects.create(user=user, level="municipality", municipality=places["osaka"])
    client.force_login(user)
    url = reverse("training_session_import")
    assert client.get(url).status_code == 200
    template = client.get(reverse("training_session_import_template", args=["csv"]))
    assert template.content.decode("utf-8").startswith("\ufeff開催日")

    response = client.post(url, {"file": upload(sessions_csv(GOOD[0]))})
    html = response.content.decode()
    assert response.status_code == 200 and not TrainingSession.objects.exists()
    token = response.context["token"]
    assert token
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert TrainingSession.objects.count() == 1
    assert "大阪市福祉局" in html

    bad = client.post(url, {"file": upload(sessions_csv(GOOD[1]))})
    assert bad.context["token"] is None
    assert "権限" in bad.content.decode()


def test_population_import_is_for_the_national_administrator_only(
    client, places, django_user_model
):
    user = django_user_model.objects.create_user("osaka-admin", password="pw-Secret-1")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_population"),
    )
    AdminScope.objects.create(user=user, level="municipality", municipality=places["osaka"])
    client.force_login(user)
    assert client.get(reverse("population_import")).status_code in (302, 403)


def test_session_listing_offers_the_import_to_those_who_may_import(
    client, places, django_user_model
):
    admin = django_user_model.objects.create_superuser("national", password="pw-Secret-1")
    client.force_login(admin)
    html = client.get(reverse("trainingsession:index")).content.decode()
    assert reverse("training_session_import") in html


def test_a_long_session_file_is_written_and_counted_in_a_bounded_number_of_statements(
    places, django_assert_max_num_queries
):
    rows = [
        f"2025-{4 + i % 9:02d}-{1 + i % 28:02d},{'271004' if i % 2 else '131041'},自治体,"
        f"研修会 第{i}回,一般向け,講師,対面,,{1 + i % 30},{i % 3},0"
        for i in range(1200)
    ]
    dataset = read_dataset(upload(sessions_csv(*rows)))
    # Row by row this would be several statements a row; here a few per 1,000 rows.
    with django_assert_max_num_queries(60):
        outcome = run_import(TrainingSessionResource(scope=NATION), dataset, dry_run=False)
    assert outcome.is_valid, outcome.errors[:3]
    expected = sum(1 + i % 30 + i % 3 for i in range(1200))
    assert (outcome.new, outcome.extra["attendees"]) == (1200, expected)
    assert TrainingSession.objects.count() == 1200
    assert kpi_report(scope=NATION, fiscal_year=2025).total.in_person == expected
    assert tallies.verify().ok
    tenth = TrainingSession.objects.get(organiser_name="研修会 第10回")
    assert (tenth.held_on.isoformat(), tenth.municipality, tenth.attendees_workplace) == (
        "2025-05-11",
        places["shinjuku"],
        1,
    )
    assert tenth.organiser_type == TrainingSession.OrganiserType.MUNICIPALITY


# --- bounds, confirmations, header variants, messages --------------------------------------------


def test_a_count_beyond_the_session_maximum_is_refused_with_the_limit(places):
    text = sessions_csv("2025-05-10,271004,自治体,大阪市,一般向け,講師,対面,,99999999999,0,0")
    outcome = run_import(
        TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=False
    )
    assert not outcome.is_valid
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "一般")]
    assert "上限 10,000" in outcome.errors[0].message
    assert not TrainingSession.objects.exists()


def test_a_large_session_needs_a_confirmation_and_the_preview_shows_the_kpi_effect(places):
    KpiTarget.objects.create(
        fiscal_year=2025, level="municipality", municipality=places["osaka"], target=1000
    )
    text = sessions_csv(GOOD[0], "2025-05-11,271004,自治体,大阪市 大会,一般向け,講師,対面,,800,0,0")
    preview = run_import(
        TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=True
    )
    assert preview.is_valid
    assert [name for name, _label in preview.confirmations] == ["large_sessions"]
    assert "3 行目（800 人）" in preview.confirmations[0][1]
    heading, lines = preview.details[0]
    assert heading == "KPI への影響（取り込む前 → 取り込んだ後）"
    assert lines == [
        "大阪府大阪市 2025年度の養成者数：0 人 → 835 人（+835）、"
        "目標 1,000 人に対する進捗率 0.0% → 83.5%"
    ]

    refused = run_import(
        TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=False
    )
    assert not refused.is_valid and "確認が必要です" in refused.errors[0].message
    assert not TrainingSession.objects.exists()

    done = run_import(
        TrainingSessionResource(scope=NATION, confirmed={"large_sessions"}),
        read_dataset(upload(text)),
        dry_run=False,
    )
    assert done.is_valid and TrainingSession.objects.count() == 2
    assert kpi_report(scope=NATION, fiscal_year=2025, municipality="271004").total.actual == 835


def test_the_command_refuses_a_large_session_without_confirm_large(places, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(
        sessions_csv("2025-05-11,271004,自治体,大阪市 大会,一般向け,講師,対面,,800,0,0"),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit):
        call_command("import_sessions", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not TrainingSession.objects.exists()
    call_command(
        "import_sessions", str(path), "--confirm-large", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert TrainingSession.objects.count() == 1


@pytest.mark.parametrize(
    "header", ["一般（人）", "一般(人)", "一般 （人）", "一般【人】", "一般[人数]"]
)
def test_count_headers_with_units_are_read_not_dropped(places, header):
    text = (
        f"開催日,市区町村コード,主催者の種別,主催者名,講座の種類,講師名,{header},備考\n"
        "2025-05-10,271004,自治体,大阪市,一般向け,講師,42,メモ\n"
    )
    outcome = run_import(
        TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=False
    )
    assert outcome.is_valid, outcome.errors
    assert TrainingSession.objects.get().attendees_general == 42
    assert outcome.warnings == ["次の列は取り込みません（見出しが分かりません）：「備考」"]


def test_a_wrong_choice_lists_every_allowed_word_in_a_fixed_order(places):
    text = sessions_csv("2025-05-10,271004,自治体,大阪市,一般向け,講師,テレビ,,10,0,0")
    messages = set()
    for _i in range(3):
        outcome = run_import(
            TrainingSessionResource(scope=NATION), read_dataset(upload(text)), dry_run=True
        )
        messages.add(outcome.errors[0].message)
    assert messages == {
        "実施方法は次のいずれかで書いてください：対面（会場・集合・空欄）、"
        "ライブ配信（オンライン・Web・ウェブ・Zoom）（入力：テレビ）"
    }


def test_the_admin_screen_shows_the_effect_and_asks_for_the_tick_on_a_large_session(
    client, places, django_user_model
):
    user = django_user_model.objects.create_user("osaka-admin", password="pw-Secret-1")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_trainingsession"),
        Permission.objects.get(codename="approve_trainingsession"),
    )
    AdminScope.objects.create(user=user, level="municipality", municipality=places["osaka"])
    client.force_login(user)
    url = reverse("training_session_import")
    text = sessions_csv("2025-05-11,271004,自治体,大阪市 大会,一般向け,講師,対面,,800,0,0")
    response = client.post(url, {"file": upload(text)})
    html = response.content.decode()
    assert "大阪府大阪市 2025年度の養成者数：0 人 → 800 人（+800）" in html
    assert 'name="confirm" value="large_sessions" required' in html
    token = response.context["token"]
    again = client.post(url, {"token": token})
    assert "下の確認の項目をすべてチェックしてください" in again.content.decode()
    assert not TrainingSession.objects.exists()
    done = client.post(url, {"token": token, "confirm": "large_sessions"})
    assert done.status_code == 302
    assert TrainingSession.objects.get().total_attendees == 800
