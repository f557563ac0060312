"""Staff training in the Wagtail admin: assigning a course, the progress reports and their
CSV/XLSX exports, each limited to the user's area (a manager: their department)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import StaffAssignment
from organizations.models import AdminScope, Department
from tests import factories

from .staff_helpers import assign, complete, roster, staff_course

TOKYO = ZoneInfo("Asia/Tokyo")
PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("courses", "add_staffassignment"),
    ("courses", "change_staffassignment"),
    ("courses", "delete_staffassignment"),
    ("courses", "view_staffassignment"),
]


def refused(response) -> bool:
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def administrator(level, **area):
    user = factories.user(is_staff=True)
    group, _created = Group.objects.get_or_create(name="研修担当")
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.groups.add(group)
    AdminScope.objects.create(user=user, level=level, **area)
    return user


def manager_of(department):
    user = factories.user()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    AdminScope.objects.create(
        user=user, level="department", municipality=department.municipality, department=department
    )
    return user


@pytest.fixture
def world(db):
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    osaka_staff = roster(
        osaka,
        [
            ("1001", "福祉 一郎", "福祉局"),
            ("1002", "福祉 二郎", "福祉局"),
            ("2001", "市民 花子", "市民局"),
        ],
    )
    sakai_staff = roster(sakai, [("9001", "堺 秘密", "健康福祉局")])
    course = staff_course()
    osaka_assignment = assign(osaka, course, due_on=dt.date(2025, 6, 30))
    sakai_assignment = assign(sakai, course, due_on=dt.date(2025, 6, 30))
    complete(osaka_staff["1001"], course, at=dt.datetime(2025, 6, 10, 10, tzinfo=TOKYO))
    return {
        "osaka": osaka,
        "sakai": sakai,
        "course": course,
        "osaka_assignment": osaka_assignment,
        "sakai_assignment": sakai_assignment,
        "osaka_staff": osaka_staff,
        "sakai_staff": sakai_staff,
    }


def test_administrator_assigns_a_course_to_departments(client, world):
    admin = administrator("municipality", municipality=world["osaka"])
    client.force_login(admin)
    welfare = Department.objects.get(municipality=world["osaka"], name="福祉局")
    form = client.get(reverse("staff_assignments:add")).content.decode()
    assert "健康福祉局" not in form  # another municipality's departments are not offered
    response = client.post(
        reverse("staff_assignments:add"),
        {
            "municipality": world["osaka"].pk,
            "course": world["course"].pk,
            "target": "departments",
            "departments": [welfare.pk],
            "staff_numbers": "",
            "starts_on": "2099-04-01",
            "due_on": "2099-06-30",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = StaffAssignment.objects.latest("pk")
    assert assignment.created_by == admin
    assert assignment.fiscal_year == 2099
    assert set(assignment.assignees.values_list("staff_member__staff_number", flat=True)) == {
        "1001",
        "1002",
    }


def test_administrator_assigns_named_people_by_staff_number(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    data = {
        "municipality": world["osaka"].pk,
        "course": world["course"].pk,
        "target": "people",
        "staff_numbers": "２００１\n9001",
        "starts_on": "2099-04-01",
        "due_on": "2099-06-30",
    }
    response = client.post(reverse("staff_assignments:add"), data)
    assert "名簿にない職員番号です：9001" in response.content.decode()
    data["staff_numbers"] = "２００１"
    assert client.post(reverse("staff_assignments:add"), data).status_code == 302
    assignment = StaffAssignment.objects.latest("pk")
    assert list(assignment.assignees.values_list("staff_member__staff_number", flat=True)) == [
        "2001"
    ]


def test_reports_show_figures_per_department(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    overview = client.get(reverse("staff_training_report")).content.decode()
    assert "大阪市" in overview and "堺市" not in overview
    page = client.get(
        reverse("staff_training_assignment", args=[world["osaka_assignment"].pk])
    ).content.decode()
    assert "福祉局" in page and "市民局" in page and "健康福祉局" not in page
    assert "33.3%" in page


def test_exports_are_excel_friendly_and_match_the_screen(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    url = reverse("staff_training_assignment", args=[world["osaka_assignment"].pk])
    csv = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8")
    assert csv.startswith("\ufeff")
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == "所属,対象者,修了,受講中,未受講,期限超過,期限切れ,受講率（%）"
    assert "福祉局,2,1,0,1,1,0," in csv
    assert lines[-1].startswith("合計,3,1,0,2,")
    xlsx = client.get(url + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # A titled report (title, 作成日時, blank row), then the same table as the CSV.
    assert rows[0][0].startswith("所属別の受講状況") and rows[1][0] == "作成日時"
    assert rows[3][0] == "所属"
    assert rows[-1][:3] == ("合計", 3, 1)

    pending_url = reverse("staff_training_pending", args=[world["osaka_assignment"].pk])
    pending = b"".join(client.get(pending_url + "?export=csv").streaming_content).decode()
    assert "福祉 二郎" in pending and "市民 花子" in pending and "福祉 一郎" not in pending


def test_municipal_administrator_cannot_read_or_export_another_municipality(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    sakai = world["sakai_assignment"].pk
    for name in ("staff_training_assignment", "staff_training_pending"):
        for suffix in ("", "?export=csv", "?export=xlsx"):
            response = client.get(reverse(name, args=[sakai]) + suffix)
            assert refused(response), (name, suffix)
        assert refused(client.get(reverse(f"{name}_results", args=[sakai])))
    for name in ("edit", "delete", "history", "usage", "inspect"):
        assert refused(client.get(reverse(f"staff_assignments:{name}", args=[sakai]))), name
    osaka = world["osaka_assignment"].pk
    for name in ("edit", "history", "usage", "inspect"):
        assert client.get(reverse(f"staff_assignments:{name}", args=[osaka])).status_code == 200
    listing = client.get(reverse("staff_assignments:index")).content.decode()
    assert "堺市" not in listing
    for suffix in ("?export=csv", "?export=xlsx"):
        export = client.get(reverse("staff_training_report") + suffix)
        assert "堺市".encode() not in b"".join(export.streaming_content)


def test_user_without_scope_sees_no_report(client, world):
    user = factories.user(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(user)
    assert refused(client.get(reverse("staff_training_report")))


def test_department_manager_sees_own_department_only(client, world):
    welfare = Department.objects.get(municipality=world["osaka"], name="福祉局")
    client.force_login(manager_of(welfare))
    url = reverse("staff_training_assignment", args=[world["osaka_assignment"].pk])
    page = client.get(url).content.decode()
    assert "福祉局" in page and "市民局" not in page
    pending = client.get(
        reverse("staff_training_pending", args=[world["osaka_assignment"].pk])
    ).content.decode()
    assert "福祉 二郎" in pending and "市民 花子" not in pending
    assert refused(client.get(reverse("staff_assignments:add")))
    assert refused(
        client.get(reverse("staff_training_assignment", args=[world["sakai_assignment"].pk]))
    )


def test_national_administrator_sees_every_municipality(client, world):
    client.force_login(factories.user(is_superuser=True, is_staff=True))
    overview = client.get(reverse("staff_training_report")).content.decode()
    assert "大阪市" in overview and "堺市" in overview


def test_report_queries_do_not_grow_with_departments_and_people(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    url = reverse("staff_training_assignment", args=[world["osaka_assignment"].pk])
    pending_url = reverse("staff_training_pending", args=[world["osaka_assignment"].pk])
    overview_url = reverse("staff_training_report")

    def count(target):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(target).status_code == 200
        return len(queries)

    before = [count(url), count(pending_url), count(overview_url)]
    roster(
        world["osaka"],
        [
            ("1001", "福祉 一郎", "福祉局"),
            ("1002", "福祉 二郎", "福祉局"),
            ("2001", "市民 花子", "市民局"),
        ]
        + [(f"3{i:03d}", f"新人 {i}", f"新設{i % 7}課") for i in range(40)],
    )
    assign(world["osaka"], world["course"], due_on=dt.date(2025, 9, 30))
    after = [count(url), count(pending_url), count(overview_url)]
    assert after == before
    assert max(after) <= 20


def test_assignment_list_links_to_its_progress(client, world):
    client.force_login(administrator("municipality", municipality=world["osaka"]))
    listing = client.get(reverse("staff_assignments:index")).content.decode()
    assert reverse("staff_training_assignment", args=[world["osaka_assignment"].pk]) in listing
