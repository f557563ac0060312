"""An in-person course from end to end, in the browser: a municipal administrator invites an
organiser, who plans a public course and a children's course; the course appears in the
finder; three attendees check in on phones (one at the children's course); one takes a named
supporter card, downloads it and verifies it; the organiser adds paper counts and submits the
実施報告; the administrator approves — and the KPI dashboard, the API, the CLI and open data
move by exactly the number of attendees, no more."""

import datetime as dt
import io
import json
import re
import subprocess

import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from base.dates import TOKYO, fiscal_year_of
from events.checkin_codes import current_code
from events.models import CheckIn, Organiser, PlannedCourse
from organizations.scopes import NATION
from reports.figures import kpi_report
from reports.models import TrainingSession
from reports.open_data import build_files

from .conftest import ARTIFACTS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OSAKA = "271004"
SAVE = re.compile("^(作成|保存)$")


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True  # demo accounts exist only in development
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def course_times() -> tuple[dt.date, str, str]:
    """A course that is on now (Tokyo time), inside one day: started 10 minutes ago."""
    now = timezone.now().astimezone(TOKYO)
    start = max(now - dt.timedelta(minutes=10), now.replace(hour=0, minute=0))
    end = min(start + dt.timedelta(minutes=90), now.replace(hour=23, minute=59))
    return now.date(), start.strftime("%H:%M"), end.strftime("%H:%M")


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def figures(fiscal_year: int) -> dict:
    """The supporters of 大阪市 and of the nation, as each output reports them."""
    national = Client()
    national.force_login(_superuser())
    api = national.get("/api/kpi/", {"fiscal_year": fiscal_year, "municipality": OSAKA}).json()
    out = io.StringIO()
    call_command(
        "kpi_report",
        "--fiscal-year",
        str(fiscal_year),
        "--municipality",
        OSAKA,
        "--format",
        "json",
        stdout=out,
    )
    cli = json.loads(out.getvalue())
    open_rows = build_files(fiscal_year).csv.splitlines()
    header = open_rows[0].lstrip("\ufeff").split(",")
    supporters = header.index("supporters")
    open_total = sum(int(row.split(",")[supporters]) for row in open_rows[1:] if row)
    return {
        "report": kpi_report(
            scope=NATION, fiscal_year=fiscal_year, municipality=OSAKA
        ).total.actual,
        "api": api["total"]["actual"],
        "cli": cli["total"]["actual"],
        "open_data": open_total,
    }


def _superuser():
    return get_user_model().objects.filter(is_superuser=True).first()


def log_in(page, url, username, password):
    page.goto(url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def plan(page, url, *, course_label: str, title_hint: str) -> PlannedCourse:
    held_on, start, end = course_times()
    page.goto(url + "/admin/events/plans/new/")
    select_containing(page.locator("#id_course"), course_label)
    page.locator("#id_held_on").fill(held_on.isoformat())
    page.locator("#id_start_time").fill(start)
    page.locator("#id_end_time").fill(end)
    page.locator("#id_venue_name").fill(f"大阪市立中央会館 {title_hint}")
    page.locator("#id_venue_address").fill("大阪市中央区島之内2-12-31")
    page.locator("#id_instructor_name").fill("大阪 次郎")
    page.locator("#id_capacity").fill("30")
    page.get_by_role("button", name=SAVE).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return PlannedCourse.objects.latest("pk")


def select_containing(select, text: str) -> None:
    """Choose the first option of ``select`` whose label contains ``text``."""
    labels = select.locator("option").all_inner_texts()
    select.select_option(label=next(label for label in labels if text in label))


def read_qr(page, selector: str) -> str:
    """Decode the QR code the browser shows (screenshot, then zxing-cpp's reader)."""
    png = page.locator(selector).first.screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert found, "no QR code could be read off the screen"
    return found[0].text


def check_in(phone, url: str, *, attendee_type: str, age_band: str | None = None):
    """An attendee at ``url`` (the check-in page with or without its code) checks in."""
    phone.goto(url)
    assert fits_the_phone(phone)
    phone.get_by_label(attendee_type, exact=True).check()
    if age_band:
        phone.get_by_label(age_band, exact=True).check()
    assert axe_violations(phone) == []
    phone.get_by_role("button", name=re.compile("受付")).click()
    phone.get_by_role("heading", level=1).wait_for()


def test_an_in_person_course_from_invitation_to_the_national_figures(
    live_server, browser, seeded, tmp_path
):
    url = live_server.url
    fiscal_year = fiscal_year_of(timezone.now().astimezone(TOKYO).date())
    before = figures(fiscal_year)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    admin = desk.new_page()
    organiser_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", accept_downloads=True
    )
    organiser = organiser_context.new_page()
    phones = [
        browser.new_context(
            viewport={"width": 360, "height": 740}, locale="ja-JP", accept_downloads=True
        )
        for _ in range(3)
    ]
    try:
        # 1. The administrator of 大阪市 invites an organiser; the invitation is mailed.
        log_in(admin, url, "osaka-admin", "changeme")
        admin.goto(url + "/admin/events/organisers/new/")
        municipality = admin.locator("#id_municipality")
        if municipality.evaluate("e => e.tagName") == "SELECT":
            select_containing(municipality, "大阪市")
        admin.locator("#id_organisation_type").select_option(label="NPO")
        admin.locator("#id_organisation_name").fill("NPO法人 なにわつながり")
        admin.locator("#id_name").fill("浪速 花子")
        admin.locator("#id_email").fill("hanako@example.jp")
        admin.get_by_role("button", name=SAVE).first.click()
        admin.wait_for_url(re.compile(r"/admin/events/organisers/"))
        assert Organiser.objects.filter(email="hanako@example.jp", status="active").exists()
        invitation = next(m for m in mail.outbox if "hanako@example.jp" in m.to)
        link = re.search(r"https?://\S+/set-password/\S+/", invitation.body).group(0)
        link = url + link[link.index("/courses/") :]

        # 2. The organiser sets a password from the link and plans two public courses.
        organiser.goto(link)
        organiser.locator("input[name=new_password1]").fill("Naniwa-Tsunagari-2026")
        organiser.locator("input[name=new_password2]").fill("Naniwa-Tsunagari-2026")
        organiser.locator("form button[type=submit]").first.click()
        organiser.wait_for_url(re.compile(r"/admin/"))
        citizens = plan(organiser, url, course_label="サポーター養成講座", title_hint="A")
        children = plan(organiser, url, course_label="こども", title_hint="B")
        assert citizens.course.audience == "citizen" and children.course.audience == "children"

        # 3. The course is in the finder, on a phone.
        first = phones[0].new_page()
        first.goto(url + "/courses/find/")
        first.get_by_label("都道府県").select_option(label="大阪府")
        first.get_by_role("button", name="この条件で探す").click()
        assert first.get_by_role("link", name=re.compile("大阪市立中央会館 A|サポーター")).count()
        assert fits_the_phone(first)

        # 4. The organiser's slide; the first attendee scans its QR code.
        organiser.goto(url + f"/admin/events/plans/checkin/{citizens.pk}/")
        scanned = read_qr(organiser, "svg")
        assert scanned.endswith(
            f"/courses/{citizens.pk}/check-in/?code={current_code(citizens.pk)}"
        )
        check_in(first, url + scanned[scanned.index("/courses/") :], attendee_type="一般")
        assert "受付しました" in first.content()

        # The first attendee takes a card with a name, downloads it and verifies it.
        first.get_by_label(re.compile("名前")).fill("なにわ 太郎")
        first.get_by_role("button", name=re.compile("カードを受け取る")).click()
        with first.expect_download() as download:
            first.get_by_role("link", name=re.compile("サポーターカード")).first.click()
        card = tmp_path / "card.pdf"
        download.value.save_as(card)
        text = subprocess.run(
            ["pdftotext", "-layout", str(card), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "なにわ 太郎" in text.replace("\u3000", " ")
        verify = first.locator("a.checkin-url").inner_text()
        first.goto(url + verify[verify.index("/certificates/") :])
        assert "有効" in first.content()

        # 5. The second attendee types the code the organiser reads out.
        second = phones[1].new_page()
        second.goto(url + f"/courses/{citizens.pk}/check-in/")
        second.get_by_label(re.compile("受付番号")).fill(current_code(citizens.pk))
        second.get_by_role("button", name="次へ").click()
        check_in(second, second.url, attendee_type="企業・職域", age_band="30代")
        assert "受付しました" in second.content()

        # 6. A child checks in to the children's course, worded for children (ruby).
        child = phones[2].new_page()
        child.goto(url + f"/courses/{children.pk}/check-in/?code={current_code(children.pk)}")
        assert child.locator("ruby").count() > 0
        child.get_by_label(re.compile("こども")).first.check()
        child.get_by_role("button", name=re.compile("受付")).click()
        child.get_by_role("heading", level=1).wait_for()
        assert fits_the_phone(child)
        assert CheckIn.objects.filter(course=citizens).count() == 2
        assert CheckIn.objects.filter(course=children).count() == 1

        # 7. Two people without a phone, added on paper; then the courses end (an hour
        # passes: the plan's times move into the past, as the clock would move them).
        organiser.goto(url + f"/admin/events/plans/attendance/{citizens.pk}/")
        organiser.locator("input[name=general]").fill("2")
        organiser.get_by_role("button", name="人数を保存する").click()
        organiser.get_by_role("heading", name=re.compile("受講者：4 人")).wait_for()
        past = dt.timedelta(hours=3)
        for course in (citizens, children):
            PlannedCourse.objects.filter(pk=course.pk).update(
                starts_at=course.starts_at - past, ends_at=timezone.now() - dt.timedelta(minutes=1)
            )

        # 8. The organiser files each 実施報告, prefilled from the check-ins and paper counts.
        for course, attendees in ((citizens, 4), (children, 1)):
            organiser.goto(url + f"/admin/events/plans/attendance/{course.pk}/")
            organiser.get_by_role("link", name="実施報告を作成").click()
            total = sum(
                int(organiser.locator(f"#id_attendees_{kind}").input_value() or 0)
                for kind in (
                    "general",
                    "workplace",
                    "school",
                    "government",
                    "npo",
                    "child",
                    "other",
                )
            )
            assert total == attendees
            organiser.locator("form button[type=submit]").last.click()
            organiser.wait_for_load_state()
        reports = TrainingSession.objects.filter(planned_course__in=[citizens, children])
        assert sorted(r.status for r in reports) == ["submitted", "submitted"]
        assert figures(fiscal_year) == before  # submitted reports count nowhere yet

        # 9. The administrator approves both; every output moves by exactly five.
        for report in reports:
            admin.goto(url + f"/admin/trainingsession/review/{report.pk}/")
            admin.get_by_label("承認する（集計に含める）").check()
            admin.get_by_role("button", name="決定する").click()
            admin.wait_for_load_state()
        assert sorted(r.status for r in reports.all()) == ["approved", "approved"]
        after = figures(fiscal_year)
        assert {k: after[k] - before[k] for k in after} == {
            "report": 5,
            "api": 5,
            "cli": 5,
            "open_data": 5,
        }
        admin.goto(url + f"/admin/reports/kpi/?fiscal_year={fiscal_year}")
        assert f"{after['report']:,}" in admin.content()
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, page in (("admin", admin), ("organiser", organiser)):
            page.screenshot(path=str(ARTIFACTS / f"in-person-{name}.png"), full_page=True)
        for context in (desk, organiser_context, *phones):
            context.close()
