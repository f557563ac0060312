"""A municipal administrator, in the Wagtail admin: imports the staff roster (one bad row,
fixed, then imported), records an in-person session, opens the KPI dashboard and downloads the
XLSX — and the numbers are those the journey created."""

import datetime as dt
import re

import openpyxl
import pytest
from django.core.management import call_command

from courses.models import StaffAssignee, StaffAssignment
from organizations.models import StaffMember
from organizations.scopes import NATION
from reports.figures import kpi_report
from reports.models import TrainingSession

from .conftest import ARTIFACTS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROSTER_BAD = (
    "職員番号,氏名,所属,メールアドレス\n9001,市民 一郎,市民局,ichiro@example.jp\n9002,,市民局,\n"
)
ROSTER_GOOD = "職員番号,氏名,所属,メールアドレス\n9001,市民 一郎,市民局,ichiro@example.jp\n9002,市民 二郎,市民局,\n"


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True  # demo accounts exist only in development
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def test_municipal_administrator_imports_records_and_reports(
    live_server, browser, seeded, tmp_path
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", accept_downloads=True
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/admin/login/")
        page.fill("input[name=username]", "osaka-admin")
        page.fill("input[name=password]", "changeme")
        page.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/admin/$"))

        # 1. The roster: one bad row is reported, nothing written; the fixed file imports.
        bad = tmp_path / "roster.csv"
        bad.write_text(ROSTER_BAD, encoding="cp932")
        page.goto(live_server.url + "/admin/staff-roster/import/")
        page.set_input_files("input[type=file]", str(bad))
        page.get_by_label("この人たちだけ更新する", exact=False).check()
        page.get_by_role("button", name="確認する（まだ書き込みません）").click()
        page.get_by_role("heading", name="取り込めない行があります").wait_for()
        errors = page.locator("table", has=page.locator("caption", has_text="エラーの一覧"))
        assert "3" in errors.locator("tbody tr").first.inner_text()
        assert not StaffMember.objects.filter(staff_number__in=["9001", "9002"]).exists()

        good = tmp_path / "roster-fixed.csv"
        good.write_text(ROSTER_GOOD, encoding="utf-8-sig")
        page.goto(live_server.url + "/admin/staff-roster/import/")
        page.set_input_files("input[type=file]", str(good))
        # A file of two new people: "only these people", so nobody else on the roster leaves.
        page.get_by_label("この人たちだけ更新する", exact=False).check()
        page.get_by_role("button", name="確認する（まだ書き込みません）").click()
        page.get_by_role("button", name="この内容で取り込む").click()
        page.wait_for_url(re.compile(r"/admin/staff-roster/import/$"))
        assert StaffMember.objects.filter(staff_number__in=["9001", "9002"]).count() == 2

        # 2. The staff course is assigned to the imported people's department.
        page.goto(live_server.url + "/admin/staff-assignments/new/")
        page.locator("#id_course").select_option(index=1)
        page.locator("#id_target").select_option(value="departments")
        page.get_by_role("checkbox", name="市民局", exact=True).check()
        page.get_by_role("textbox", name="開始日").fill("2026-11-01")
        page.get_by_role("textbox", name="期限").fill("2026-12-25")
        # The date picker stays open over the button; submit from the keyboard.
        page.get_by_role("button", name=re.compile("^(作成|保存)$")).first.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assignment = StaffAssignment.objects.latest("pk")
        assert assignment.due_on == dt.date(2026, 12, 25)
        assigned = set(
            StaffAssignee.objects.filter(assignment=assignment).values_list(
                "staff_member__staff_number", flat=True
            )
        )
        assert {"9001", "9002"} <= assigned

        # 3. An in-person session, entered through the form.
        fiscal_year = 2025  # the session below is held in May 2025
        before = kpi_report(scope=NATION, fiscal_year=fiscal_year, municipality="271004")
        page.goto(live_server.url + "/admin/trainingsession/new/")
        page.get_by_label("開催日").fill("2025-05-20")
        page.get_by_label("開催市区町村").select_option(label="大阪市")
        page.get_by_label("主催者の種別").select_option(label="自治体")
        page.get_by_label("主催者名").fill("大阪市 e2e 講座")
        page.get_by_label("講座の種類").select_option(index=1)
        page.get_by_label("講師名").fill("試験 講師")
        page.locator("#id_attendees_general").fill("21")
        page.get_by_role("button", name=re.compile("^(作成|保存)$")).first.click()
        # Before saving, the form shows what the report does to 大阪市's KPI figures.
        effect = page.locator("#kpi-effect")
        effect.get_by_role("heading", name="保存する前に：KPI への影響").wait_for()
        assert "大阪市 2025年度の養成者数" in effect.inner_text()
        assert "（+21）" in effect.inner_text()
        assert not TrainingSession.objects.filter(organiser_name="大阪市 e2e 講座").exists()
        page.get_by_role("button", name=re.compile("^(作成|保存)$")).first.click()
        page.wait_for_url(re.compile(r"/admin/trainingsession/$"))
        after = kpi_report(scope=NATION, fiscal_year=fiscal_year, municipality="271004")
        assert after.total.in_person == before.total.in_person + 21

        # 4. The KPI dashboard shows it, readably, and the XLSX holds the same figures.
        page.goto(live_server.url + f"/admin/reports/kpi/?fiscal_year={fiscal_year}")
        assert "大阪府大阪市" in page.content()
        assert page.locator("svg[role=img] title").count() == 1
        # Our part of the page (cards, chart, tables) has no serious accessibility problem.
        violations = axe_violations(page)
        ours = [v for v in violations if any("kpi" in str(target) for target in v[1])]
        assert ours == []

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Excel（XLSX）でダウンロード").last.click()
        download_info.value.save_as(str(ARTIFACTS / "kpi-areas.xlsx"))
        workbook = openpyxl.load_workbook(ARTIFACTS / "kpi-areas.xlsx")
        sheet = workbook.active
        # The sheet opens with a title block, then a blank row, then the table's heading row.
        rows = list(sheet.iter_rows(values_only=True))
        blank = next(i for i, row in enumerate(rows) if all(cell is None for cell in row))
        # 大阪市's rows are its wards and the city itself; together they make its total.
        figures = [row[2] for row in rows[blank + 2 :]]
        assert sum(figures) == after.total.actual
        assert len(figures) == len(after.rows)
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-journey.png"), full_page=True)
        context.close()
