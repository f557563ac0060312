"""A staff member sees their assigned training on /my/ and on the home page, most urgent
first; citizens and other staff see nothing of it."""

import datetime as dt
from unittest import mock

import pytest

from courses import queries
from tests import factories

from .staff_helpers import assign, roster, staff_course


@pytest.fixture
def osaka(db):
    factories.home_page()
    return factories.municipality("271004", "大阪市")


def login_as(client, staff_member):
    client.force_login(staff_member.learner.user)


def test_staff_member_sees_due_dates_overdue_first(client, osaka):
    staff = roster(osaka, [("1001", "大阪 花子", "福祉局"), ("1002", "大阪 太郎", "福祉局")])
    later = staff_course()
    later.title = "あとの研修"
    later.save()
    urgent = staff_course()
    urgent.title = "期限切れの研修"
    urgent.save()
    assign(osaka, later, starts_on=dt.date(2025, 6, 1), due_on=dt.date(2025, 9, 30))
    assign(osaka, urgent, starts_on=dt.date(2025, 5, 1), due_on=dt.date(2025, 6, 30))
    login_as(client, staff["1001"])
    with mock.patch.object(queries, "tokyo_date", return_value=dt.date(2025, 7, 2)):
        my_page = client.get("/my/").content.decode()
        home = client.get("/").content.decode()
    for page in (my_page, home):
        assert "受講が必要な研修" in page
        assert page.index("期限切れの研修") < page.index("あとの研修")
        assert "期限を過ぎています" in page
        assert "期限：2025年6月30日" in page
        assert "期限まであと 90 日" in page


def test_assignments_not_started_yet_and_of_others_are_not_shown(client, osaka):
    staff = roster(osaka, [("1001", "大阪 花子", "福祉局"), ("2001", "市民 次郎", "市民局")])
    from organizations.models import Department

    assign(
        osaka,
        staff_course(),
        target="departments",
        departments=[Department.objects.get(name="市民局")],
        starts_on=dt.date(2025, 6, 1),
    )
    login_as(client, staff["1001"])
    with mock.patch.object(queries, "tokyo_date", return_value=dt.date(2025, 6, 10)):
        assert "受講が必要な研修" not in client.get("/my/").content.decode()
    login_as(client, staff["2001"])
    with mock.patch.object(queries, "tokyo_date", return_value=dt.date(2025, 5, 10)):
        assert "受講が必要な研修" not in client.get("/my/").content.decode()
    with mock.patch.object(queries, "tokyo_date", return_value=dt.date(2025, 6, 10)):
        assert "受講が必要な研修" in client.get("/my/").content.decode()


def test_citizen_home_page_has_no_assignment_section(client, osaka):
    assert "受講が必要な研修" not in client.get("/").content.decode()


def test_assignments_section_in_english(client, osaka):
    staff = roster(osaka, [("1001", "大阪 花子", "福祉局")])
    assign(osaka, staff_course(), starts_on=dt.date(2025, 5, 1), due_on=dt.date(2025, 6, 30))
    login_as(client, staff["1001"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with mock.patch.object(queries, "tokyo_date", return_value=dt.date(2025, 7, 2)):
        page = client.get("/my/").content.decode()
    assert "Training assigned to you" in page and "Overdue" in page
