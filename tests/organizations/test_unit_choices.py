"""Every admin list that offers units (所属) names each by its whole path from the top, in
tree order — 「総務局 / 人事部 / 研修課」 — and offers only the units of the user's area."""

import html
import re

import pytest
from django.urls import reverse

from base.imports import read_dataset
from organizations.models import AdminScope, StaffMember
from organizations.resources import roster_import
from organizations.scopes import NATION
from tests import factories
from tests.courses.staff_helpers import assign, staff_course

from .test_roster_import import upload
from .test_unit_tree import manager_of, office

pytestmark = pytest.mark.django_db

# Tree order: by names from the top, whatever order the roster created the units in.
OSAKA_UNITS = [
    "市民局",
    "市民局 / 区政課",
    "総務局",
    "総務局 / 人事部",
    "総務局 / 人事部 / 庶務係",
    "総務局 / 人事部 / 研修課",
    "総務局 / 人事部 / 研修課 / 庶務係",
]


@pytest.fixture
def areas(db):
    osaka = factories.municipality("271004", "大阪市")
    sakai = factories.municipality("271403", "堺市")
    for municipality, rows in (
        (
            osaka,
            "1001,研修 一郎,総務局/人事部/研修課/庶務係\n"
            "1002,市民 花子,市民局/区政課\n"
            "1003,人事 次郎,総務局/人事部/庶務係\n",
        ),
        (sakai, "9001,堺 秘密,健康福祉局/堺だけの課\n"),
    ):
        outcome = roster_import(
            municipality=municipality,
            dataset=read_dataset(upload("職員番号,氏名,所属\n" + rows), max_bytes=100_000),
            dry_run=False,
            scope=NATION,
            mode="whole",
            allow_mass_leaving=True,
        )
        assert outcome.errors == []
    return {"osaka": osaka, "sakai": sakai}


def labels(page: str) -> list[str]:
    """The texts of the page's unit options: <option>s and checkbox labels."""
    found = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", page)
    found += re.findall(r'<input type="checkbox"[^>]*>\s*([^<]*?)\s*</label>', page)
    return [html.unescape(text).strip() for text in found]


def unit_labels(page: str) -> list[str]:
    return [label for label in labels(page) if "局" in label or "課" in label or "係" in label]


def test_the_staff_member_form_lists_their_municipalitys_units_by_path(client, areas):
    client.force_login(office(areas["osaka"]))
    staff = StaffMember.objects.get(staff_number="1001")
    page = client.get(reverse("staff_members:edit", args=[staff.pk])).content.decode()
    assert unit_labels(page) == OSAKA_UNITS
    # The roster's filter too.
    page = client.get(reverse("staff_members:index")).content.decode()
    assert unit_labels(page) == OSAKA_UNITS


def test_the_assignment_form_lists_the_units_by_path(client, areas):
    client.force_login(office(areas["osaka"]))
    page = client.get(reverse("staff_assignments:add")).content.decode()
    assert unit_labels(page) == OSAKA_UNITS
    assert "堺だけの課" not in page


def test_the_pending_list_filters_by_units_named_by_path(client, areas):
    course = staff_course()
    assignment = assign(areas["osaka"], course)
    client.force_login(office(areas["osaka"]))
    page = client.get(reverse("staff_training_pending", args=[assignment.pk])).content.decode()
    assert unit_labels(page) == OSAKA_UNITS


def test_the_unit_and_delegation_forms_list_units_by_path(client, areas):
    client.force_login(office(areas["osaka"]))
    for url in (reverse("department:add"), reverse("manager_delegations:add")):
        page = client.get(url).content.decode()
        assert unit_labels(page) == OSAKA_UNITS, url


def test_a_manager_of_a_bureau_is_offered_its_subtree_by_path(client, areas):
    bureau = areas["osaka"].departments.get(name="総務局")
    client.force_login(manager_of(bureau))
    page = client.get(reverse("manager_delegations:add")).content.decode()
    assert unit_labels(page) == [unit for unit in OSAKA_UNITS if unit.startswith("総務局")]


def test_the_admin_scope_form_names_units_with_their_municipality(client, areas):
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    page = client.get(reverse("adminscope:add")).content.decode()
    assert unit_labels(page) == [
        *(f"大阪市：{unit}" for unit in OSAKA_UNITS),
        "堺市：健康福祉局",
        "堺市：健康福祉局 / 堺だけの課",
    ]
    # What a manager's scope shows once saved: the unit by name (the list), its path chosen.
    section = areas["osaka"].departments.get(name="研修課")
    user = factories.user()
    response = client.post(
        reverse("adminscope:add"),
        {
            "user": user.pk,
            "level": "department",
            "municipality": areas["osaka"].pk,
            "department": section.pk,
        },
    )
    assert response.status_code == 302
    assert AdminScope.objects.get(user=user).department == section
