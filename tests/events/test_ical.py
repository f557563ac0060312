"""The iCalendar file of a course: RFC 5545, checked line by line and by an independent
parser (the ``icalendar`` package)."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from base.dates import TOKYO
from events.ical import LINE_OCTETS, escape_text, fold
from events.models import PlannedCourse

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(areas, admin_osaka, make_organiser, make_plan):
    organiser = make_organiser(
        admin_osaka, areas["osaka"], name="ics", organisation="NPO法人 つながり,ひろば;大阪"
    )
    return make_plan(
        organiser,
        venue_name="中央公会堂、大集会室",
        venue_address="大阪市北区中之島1-1-27; 3階",
        notes="持ち物：筆記用具\n駐車場はありません。" + "とても長いお知らせ" * 20,
    )


def _download(client, plan):
    response = client.get(reverse("course-event-ics", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_file_parses_as_one_event_with_the_courses_facts(client, plan):
    calendar = icalendar.Calendar.from_ical(_download(client, plan))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"planned-course-{plan.pk}@127.0.0.1" or str(
        event["UID"]
    ).startswith(f"planned-course-{plan.pk}@")
    assert event.decoded("DTSTART") == dt.datetime.combine(plan.held_on, dt.time(14), TOKYO)
    assert event.decoded("DTEND") == dt.datetime.combine(plan.held_on, dt.time(15, 30), TOKYO)
    assert isinstance(event.decoded("DTSTAMP"), dt.datetime)
    assert str(event["SUMMARY"]).endswith("（NPO法人 つながり,ひろば;大阪）")
    assert str(event["LOCATION"]) == "中央公会堂、大集会室　大阪市北区中之島1-1-27; 3階"
    assert "持ち物：筆記用具\n駐車場はありません。" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(plan.get_absolute_url())
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar


def test_lines_end_with_crlf_are_folded_at_75_octets_and_text_is_escaped(client, plan):
    raw = _download(client, plan)
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)  # no bare LF anywhere
    assert all(len(line) <= LINE_OCTETS for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long description was folded
    for line in lines:
        line.decode("utf-8")  # no UTF-8 character was split by a fold
    unfolded = raw.replace(b"\r\n ", b"").decode()
    assert "LOCATION:中央公会堂、大集会室　大阪市北区中之島1-1-27\\; 3階" in unfolded
    assert "つながり\\,ひろば\\;大阪" in unfolded
    assert "DTSTART:" in unfolded and unfolded.split("DTSTART:")[1][:16].endswith("Z")


def test_a_changed_course_keeps_its_uid_and_raises_its_sequence(client, plan, admin_osaka):
    from events import services

    first = icalendar.Calendar.from_ical(_download(client, plan)).walk("VEVENT")[0]
    plan.start_time = dt.time(13)
    plan.status = PlannedCourse.Status.CANCELLED
    services.planned_course_save(course=plan, user=admin_osaka)
    second = icalendar.Calendar.from_ical(_download(client, plan)).walk("VEVENT")[0]
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert str(second["STATUS"]) == "CANCELLED"
    assert second.decoded("DTSTART").astimezone(TOKYO).hour == 13


def test_a_live_online_course_names_its_link(client, areas, admin_osaka, make_organiser, make_plan):
    organiser = make_organiser(admin_osaka, areas["osaka"], name="live")
    plan = make_plan(
        organiser,
        delivery="live_online",
        venue_name="",
        venue_address="",
        online_url="https://meet.example.jp/room?id=1,2",
    )
    event = icalendar.Calendar.from_ical(_download(client, plan)).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "オンライン（ライブ配信）"
    assert "https://meet.example.jp/room?id=1,2" in str(event["DESCRIPTION"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b;c\\d", "a\\,b\\;c\\\\d"),
        ("一行目\r\n二行目\n三行目", "一行目\\n二行目\\n三行目"),
    ],
)
def test_escape_text(text, expected):
    assert escape_text(text) == expected


def test_fold_never_splits_a_character_and_keeps_every_line_within_75_octets():
    line = "DESCRIPTION:" + "あ" * 100 + "x" * 3
    folded = fold(line).encode()
    parts = folded.split(b"\r\n")[:-1]
    assert all(len(part) <= 75 for part in parts)
    assert b"".join(part[1:] if i else part for i, part in enumerate(parts)).decode() == line
