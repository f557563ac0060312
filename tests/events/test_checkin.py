"""Check-in (受付) from the attendee's phone: the rotating code, the window, the pass, one per
browser, the capacity, the wrong-code budget, and the supporter card (docs/checkin.md).

Everything goes through the test client, which runs no JavaScript: what passes here works
without it.
"""

import datetime as dt
import re
import time

import pytest
from bs4 import BeautifulSoup
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from base.dates import fiscal_year_of, tokyo_date
from certificates.models import Certificate
from courses.records import Completion
from events import checkin_codes, checkin_views, services
from events.attendance import course_attendance
from events.models import CheckIn, PlannedCourse
from organizations.scopes import NATION
from reports.figures import kpi_report
from reports.tallies import raw_counts
from tests import factories


@pytest.fixture
def organiser(areas, admin_osaka, make_organiser):
    return make_organiser(admin_osaka, areas["osaka"], organisation="受付の会")


def open_now(plan, *, started_minutes_ago=10, minutes=90):
    """Move ``plan`` so that it started ``started_minutes_ago`` minutes ago."""
    starts = timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    PlannedCourse.objects.filter(pk=plan.pk).update(
        starts_at=starts, ends_at=starts + dt.timedelta(minutes=minutes)
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def course(organiser, make_plan):
    return open_now(make_plan(organiser, capacity=20))


def url(plan, code=None):
    base = reverse("course-check-in", args=[plan.pk])
    return base if code is None else f"{base}?code={code}"


def pass_of(response) -> str:
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return soup.find("input", {"name": "pass_token"})["value"]


def check_in(client, plan, **fields):
    """Scan the QR code (GET with the current code), then send the form: the response."""
    page = client.get(url(plan, checkin_codes.current_code(plan.pk)))
    assert page.status_code == 200, page.content.decode()
    data = {"pass_token": pass_of(page), "attendee_type": "general", "age_band": "", "gender": ""}
    data.update(fields)
    return client.post(url(plan), data)


# --- the code ----------------------------------------------------------------------------------


def test_the_code_changes_every_minute_and_the_previous_minute_still_counts():
    now = timezone.now()
    current = checkin_codes.current_code(7, now)
    assert re.fullmatch(r"\d{4}", current)
    assert checkin_codes.is_valid(7, current, now)
    assert checkin_codes.is_valid(7, current, now + dt.timedelta(seconds=60))
    later = now + dt.timedelta(seconds=120)
    # Two minutes on, the code is no longer accepted (unless, 1 in 10⁴, it recurs).
    if current not in {
        checkin_codes.current_code(7, later),
        checkin_codes.code_for(7, checkin_codes.window_of(later) - 1),
    }:
        assert not checkin_codes.is_valid(7, current, later)
    # Full-width digits (a Japanese keyboard) are read as digits; letters never are.
    assert checkin_codes.is_valid(
        7, current.translate(str.maketrans("0123456789", "０１２３４５６７８９")), now
    )
    assert not checkin_codes.is_valid(7, "abcd", now)
    # Each course has its own codes.
    codes = {checkin_codes.current_code(pk, now) for pk in range(1, 40)}
    assert len(codes) > 30


# --- the window and the course -------------------------------------------------------------------


def test_check_in_opens_30_minutes_before_and_closes_30_minutes_after(client, organiser, make_plan):
    plan = make_plan(organiser)
    open_now(plan, started_minutes_ago=-40)  # starts in 40 minutes
    response = client.get(url(plan))
    assert response.status_code == 403
    assert "受付はまだ始まっていません" in response.content.decode()
    open_now(plan, started_minutes_ago=-20)  # starts in 20 minutes: open
    assert client.get(url(plan)).status_code == 200
    open_now(plan, started_minutes_ago=90 + 40, minutes=90)  # ended 40 minutes ago
    response = client.get(url(plan))
    assert response.status_code == 410
    assert "受付は終わりました" in response.content.decode()
    open_now(plan, started_minutes_ago=90 + 20, minutes=90)  # ended 20 minutes ago: open
    assert client.get(url(plan)).status_code == 200


def test_the_closed_page_says_when_check_in_is_open(client, organiser, make_plan):
    plan = open_now(make_plan(organiser), started_minutes_ago=-120)
    opens = timezone.localtime(plan.starts_at - dt.timedelta(minutes=30)).strftime("%H:%M")
    closes = timezone.localtime(plan.ends_at + dt.timedelta(minutes=30)).strftime("%H:%M")
    html = client.get(url(plan)).content.decode()
    assert f"{opens}〜{closes}" in html


def test_unknown_and_cancelled_courses(client, course):
    assert client.get(reverse("course-check-in", args=[course.pk + 999])).status_code == 404
    course.status = PlannedCourse.Status.CANCELLED
    services.planned_course_save(course=course, user=course.organiser.user)
    response = client.get(url(course, checkin_codes.current_code(course.pk)))
    assert response.status_code == 410
    assert "中止" in response.content.decode()


def test_a_pass_handed_out_before_a_cancellation_counts_nothing(client, course):
    page = client.get(url(course, checkin_codes.current_code(course.pk)))
    PlannedCourse.objects.filter(pk=course.pk).update(status=PlannedCourse.Status.CANCELLED)
    response = client.post(url(course), {"pass_token": pass_of(page), "attendee_type": "general"})
    assert response.status_code == 410
    assert CheckIn.objects.count() == 0


# --- codes and passes ---------------------------------------------------------------------------


def test_without_a_code_the_page_asks_for_the_number(client, course):
    response = client.get(url(course))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'inputmode="numeric"' in html and 'name="code"' in html
    assert 'name="pass_token"' not in html


def test_a_wrong_code_is_refused_with_a_japanese_message(client, course):
    right = checkin_codes.current_code(course.pk)
    wrong = f"{(int(right) + 5000) % 10000:04d}"
    response = client.get(url(course, wrong))
    assert response.status_code == 400
    assert "番号が違うか" in response.content.decode()
    assert 'name="pass_token"' not in response.content.decode()


def test_an_expired_code_is_refused(client, course):
    old = checkin_codes.code_for(course.pk, checkin_codes.window_of() - 3)
    if checkin_codes.is_valid(course.pk, old):
        pytest.skip("the old code recurs in this minute (1 in 5,000)")
    assert client.get(url(course, old)).status_code == 400


def test_a_typed_code_works_like_the_qr_code(client, course):
    code = checkin_codes.current_code(course.pk)
    typed = " " + code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.get(url(course), {"code": typed})
    assert response.status_code == 200
    assert 'name="pass_token"' in response.content.decode()


def test_a_pass_is_good_for_15_minutes_and_not_after(client, course, monkeypatch):
    page = client.get(url(course, checkin_codes.current_code(course.pk)))
    token = pass_of(page)
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 16 * 60)
    response = client.post(url(course), {"pass_token": token, "attendee_type": "general"})
    assert response.status_code == 400
    assert "時間がたちすぎました" in response.content.decode()
    assert CheckIn.objects.count() == 0
    monkeypatch.setattr(signing.time, "time", lambda: real() + 14 * 60)
    response = client.post(url(course), {"pass_token": token, "attendee_type": "general"})
    assert response.status_code == 302
    assert CheckIn.objects.count() == 1


def test_a_forged_pass_or_none_counts_nothing(client, course):
    for token in ("", "x", signing.dumps({"course": course.pk}, salt="another-salt")):
        response = client.post(url(course), {"pass_token": token, "attendee_type": "general"})
        assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_a_pass_for_one_course_does_not_check_in_to_another(client, organiser, make_plan, course):
    other = open_now(make_plan(organiser))
    page = client.get(url(course, checkin_codes.current_code(course.pk)))
    response = client.post(url(other), {"pass_token": pass_of(page), "attendee_type": "general"})
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_wrong_codes_run_out_and_then_even_the_right_code_waits(client, course):
    right = checkin_codes.current_code(course.pk)
    wrong = f"{(int(right) + 5000) % 10000:04d}"
    for _attempt in range(checkin_views.WRONG_CODES_PER_WINDOW):
        assert client.get(url(course, wrong)).status_code == 400
    response = client.get(url(course, right))
    assert response.status_code == 429
    assert "何度も間違えた" in response.content.decode()
    # Another course's budget is its own.
    assert client.get(url(course)).status_code == 200


def test_check_ins_per_address_are_limited_generously(client, course, monkeypatch):
    monkeypatch.setattr(checkin_views, "CHECK_INS_PER_HOUR", 2)
    for _n in range(2):
        client.cookies.clear()
        assert check_in(client, course).status_code == 302
    client.cookies.clear()
    response = check_in(client, course)
    assert response.status_code == 429
    assert CheckIn.objects.count() == 2


# --- one per browser, capacity -------------------------------------------------------------------


def test_a_check_in_counts_and_sets_a_private_cookie(client, course):
    response = check_in(client, course, attendee_type="school", age_band="age_20s")
    assert response.status_code == 302
    cookie = response.cookies[checkin_views.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/courses/"
    found = CheckIn.objects.get()
    assert (found.attendee_type, found.age_band, found.gender) == ("school", "age_20s", "")
    # The cookie's token is not stored, only its hash with the course.
    assert cookie.value not in found.browser and len(found.browser) == 64
    attendance = course_attendance(course)
    assert attendance.total == 1 and attendance.by_type["school"] == 1
    done = client.get(response["Location"])
    assert "受付しました" in done.content.decode()


def test_the_same_browser_is_counted_once(client, course):
    first = check_in(client, course)
    # Scanning again shows the existing check-in.
    again = client.get(url(course, checkin_codes.current_code(course.pk)))
    assert again.status_code == 302 and again["Location"] == first["Location"]
    # Even a second form sent (a pass kept from before) counts nothing more.
    page = client.get(url(course))
    assert page.status_code == 302
    token = checkin_views.issue_pass(course)
    resent = client.post(url(course), {"pass_token": token, "attendee_type": "npo"})
    assert resent.status_code == 302 and resent["Location"] == first["Location"]
    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().attendee_type == "general"


def test_another_browser_is_another_attendee_and_cannot_open_the_first_ones_page(client, course):
    first = check_in(client, course)
    other = Client()
    assert other.get(first["Location"]).status_code == 404
    assert check_in(other, course).status_code == 302
    assert CheckIn.objects.count() == 2


def test_check_ins_stop_at_the_capacity(client, organiser, make_plan):
    plan = open_now(make_plan(organiser, capacity=2))
    for _n in range(2):
        client.cookies.clear()
        assert check_in(client, plan).status_code == 302
    client.cookies.clear()
    response = check_in(client, plan)
    assert response.status_code == 409
    assert "主催者に声をかけてください" in response.content.decode()
    assert course_attendance(plan).total == 2


def test_a_check_in_post_takes_at_most_4_queries(client, course, django_assert_max_num_queries):
    page = client.get(url(course, checkin_codes.current_code(course.pk)))
    data = {"pass_token": pass_of(page), "attendee_type": "general", "gender": "gender_female"}
    # The one conditional INSERT (on PostgreSQL sent with its advisory lock) in a savepoint
    # of the test's transaction; in production BEGIN/INSERT/COMMIT on SQLite, one batch on
    # PostgreSQL (bench/checkin.py counts those).
    with django_assert_max_num_queries(4):
        response = client.post(url(course), data)
    assert response.status_code == 302
    assert CheckIn.objects.count() == 1


def test_bad_choices_get_a_japanese_error_not_a_500(client, course):
    page = client.get(url(course, checkin_codes.current_code(course.pk)))
    response = client.post(
        url(course), {"pass_token": pass_of(page), "attendee_type": "", "age_band": "age_99"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "受講者区分を選んでください" in html and "年代は一覧から選んでください" in html
    assert CheckIn.objects.count() == 0


def test_a_non_public_course_checks_in_but_shows_nothing_before_the_code(
    client, organiser, make_plan
):
    plan = open_now(make_plan(organiser, is_public=False, signup_enabled=False))
    html = client.get(url(plan)).content.decode()
    assert "市民会館" not in html
    assert check_in(client, plan).status_code == 302


# --- the supporter card -------------------------------------------------------------------------


def test_the_card_is_issued_once_and_verifies_like_any_certificate(client, course):
    done_url = check_in(client, course, attendee_type="workplace")["Location"]
    assert "サポーターカードを受け取る" in client.get(done_url).content.decode()
    assert client.post(done_url, {"name": "つなが りこ"}).status_code == 302
    assert client.post(done_url, {"name": "別の名前"}).status_code == 302  # a second POST
    certificate = Certificate.objects.get()
    completion = certificate.completion
    check = CheckIn.objects.get()
    assert check.completion_id == completion.pk
    assert certificate.name_printed == "つなが りこ"
    assert (completion.learner, completion.enrollment, completion.is_supporter) == (
        None,
        None,
        False,
    )
    assert completion.course_id == course.course_id
    assert completion.municipality_id == course.municipality_id
    assert completion.attendee_type == "workplace"
    assert completion.fiscal_year == fiscal_year_of(tokyo_date())
    page = client.get(done_url).content.decode()
    assert certificate.serial in page
    card = client.get(reverse("certificate-card", args=[certificate.code]))
    assert card.status_code == 200 and card["Content-Type"] == "application/pdf"
    verify = client.get(certificate.get_absolute_url())
    assert verify.status_code == 200
    assert certificate.serial in verify.content.decode()
    credential = client.get(reverse("certificate-credential", args=[certificate.code]))
    assert credential.status_code == 200


def test_a_card_without_a_name(client, course):
    done_url = check_in(client, course)["Location"]
    client.post(done_url, {"name": ""})
    assert Certificate.objects.get().name_printed == ""


def test_a_too_long_name_is_refused_in_japanese(client, course):
    done_url = check_in(client, course)["Location"]
    response = client.post(done_url, {"name": "あ" * 41})
    assert response.status_code == 400
    assert "文字以内" in response.content.decode()
    assert Certificate.objects.count() == 0


def test_the_card_alone_moves_no_kpi_figure(client, course):
    year = fiscal_year_of(tokyo_date())
    before_raw = raw_counts(year)
    before = kpi_report(scope=NATION, fiscal_year=year).total.actual
    for _n in range(3):
        client.cookies.clear()
        done_url = check_in(client, course)["Location"]
        client.post(done_url, {"name": ""})
    assert Completion.objects.count() == 3
    assert raw_counts(year) == before_raw
    assert kpi_report(scope=NATION, fiscal_year=year).total.actual == before
    call_command("rebuild_tallies", "--verify")


# --- children's course -------------------------------------------------------------------------

KANJI = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆]")


def kanji_outside_ruby(html: str) -> list[str]:
    """Text in <main> with a kanji outside a <ruby> base, except the course's data (the place)."""
    main = BeautifulSoup(html, "html.parser").find("main")
    found = []
    for text in main.find_all(string=True):
        if not KANJI.search(text) or text.find_parent(class_="checkin-data"):
            continue
        if text.find_parent("ruby") is not None and text.find_parent("rt") is None:
            continue
        found.append(text.strip())
    return found


def test_the_childrens_course_check_in_speaks_to_children(client, organiser, make_plan):
    children = factories.course(title="こどもの講座《こうざ》", audience="children", lessons=1)
    plan = open_now(make_plan(organiser, course=children))
    pages = [client.get(url(plan))]
    form = client.get(url(plan, checkin_codes.current_code(plan.pk)))
    pages.append(form)
    done_url = client.post(url(plan), {"pass_token": pass_of(form), "attendee_type": "child"})[
        "Location"
    ]
    pages.append(client.get(done_url))
    client.post(done_url, {"name": "りこ"})
    pages.append(client.get(done_url))
    for page in pages:
        html = page.content.decode()
        assert "<ruby>" in html
        assert kanji_outside_ruby(html) == [], kanji_outside_ruby(html)
    soup = BeautifulSoup(form.content.decode(), "html.parser")
    assert soup.find("input", {"name": "attendee_type", "value": "child"}).has_attr("checked")
    assert CheckIn.objects.get().attendee_type == "child"


# --- purge --------------------------------------------------------------------------------------


def test_browser_hashes_are_forgotten_after_the_report_window(client, course):
    check_in(client, course)
    assert services.check_in_browsers_purge() == 0
    later = course.ends_at + dt.timedelta(days=services.SIGNUP_RETENTION_DAYS + 1)
    assert services.check_in_browsers_purge(now=later) == 1
    found = CheckIn.objects.get()
    assert found.browser == f"purged:{found.pk}"
    assert course_attendance(course).total == 1
    assert services.check_in_browsers_purge(now=later) == 0
    call_command("purge_course_signups")
