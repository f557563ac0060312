"""The organisation as it is: units nest (局・部 → 課 → 係), rosters build the tree, managers
see their unit's subtree, deputies for a period. As the training office, a manager, a deputy
and a staff member see it."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from base.dates import tokyo_date
from base.imports import read_dataset
from organizations.models import (
    AdminScope,
    Department,
    EmploymentType,
    ManagerDelegation,
    StaffMember,
    StaffTransfer,
)
from organizations.resources import roster_import, split_department_path
from organizations.scopes import NATION, scope_for_user
from organizations.services import department_delete, department_save, manager_delegation_save
from tests import factories
from tsunagari.management.commands.seed_demo import (
    DEPARTMENT_MANAGER_PERMISSIONS,
    MUNICIPAL_ADMIN_PERMISSIONS,
)

pytestmark = pytest.mark.django_db

HEADER = "職員番号,氏名,所属,役職,雇用形態,メールアドレス\n"


def with_permissions(user, permissions):
    for app_label, codename in permissions:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def office(municipality):
    """The training office (研修担当): the municipal administrator's permissions."""
    user = with_permissions(factories.user(is_staff=True), MUNICIPAL_ADMIN_PERMISSIONS)
    AdminScope.objects.create(user=user, level="municipality", municipality=municipality)
    return user


def manager_of(unit):
    group, _created = Group.objects.get_or_create(name="管理監督者")
    user = factories.user()
    with_permissions(user, DEPARTMENT_MANAGER_PERMISSIONS)
    user.groups.add(group)
    AdminScope.objects.create(
        user=user, level="department", municipality=unit.municipality, department=unit
    )
    return user


def refused(response) -> bool:
    return response.status_code in (403, 404) or (
        response.status_code == 302
        and (response.url == reverse("wagtailadmin_home") or "login" in response.url)
    )


def csv_upload(text, *, encoding="utf-8"):
    return SimpleUploadedFile("roster.csv", text.encode(encoding))


def xlsx_upload(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("roster.xlsx", buffer.getvalue())


def run(municipality, upload, *, mode="whole", dry_run=False):
    return roster_import(
        municipality=municipality,
        dataset=read_dataset(upload, max_bytes=1_000_000),
        dry_run=dry_run,
        scope=NATION,
        mode=mode,
        allow_mass_leaving=True,
    )


def unit(municipality, path):
    """The unit at ``path`` ("総務局/人事部/人事課")."""
    parent = None
    for name in path.split("/"):
        parent = Department.objects.get(municipality=municipality, parent=parent, name=name)
    return parent


@pytest.fixture
def osaka():
    return factories.municipality("271004", "大阪市")


@pytest.fixture
def sakai():
    return factories.municipality("271403", "堺市")


@pytest.fixture
def city(osaka):
    """大阪市's roster in its tree: 総務局 → 人事部 → 人事課 → 研修係, and 市民局 → 区政課."""
    outcome = run(
        osaka,
        csv_upload(
            HEADER + "1001,研修 一郎,総務局/人事部/人事課/研修係,主事,常勤,a@example.jp\n"
            "1002,人事 花子,総務局＞人事部＞人事課,課長,常勤,b@example.jp\n"
            "1003,総務 次郎,総務局,局長,再任用,c@example.jp\n"
            "2001,市民 三郎,市民局 / 区政課,係員,会計年度任用職員,d@example.jp\n"
        ),
    )
    assert outcome.errors == []
    return {s.staff_number: s for s in StaffMember.objects.filter(municipality=osaka)}


# --- The tree and its migration -------------------------------------------------------------


def test_a_path_column_builds_the_tree_under_the_right_parents(osaka, city):
    training = unit(osaka, "総務局/人事部/人事課/研修係")
    assert city["1001"].department == training
    assert city["1002"].department == unit(osaka, "総務局/人事部/人事課")
    assert city["2001"].department == unit(osaka, "市民局/区政課")
    assert training.depth == 4 and training.parent.parent.parent.parent is None
    assert Department.objects.filter(municipality=osaka).count() == 6
    # Position and employment type are kept as the roster says.
    assert (city["1001"].position, city["1001"].employment_type) == ("主事", "full_time")
    assert city["2001"].employment_type == EmploymentType.FISCAL_YEAR
    # The whole subtree of 総務局 is one query on the path.
    bureau = unit(osaka, "総務局")
    assert set(bureau.subtree().values_list("name", flat=True)) == {
        "総務局",
        "人事部",
        "人事課",
        "研修係",
    }


def test_path_separators_are_slash_and_angle_bracket_not_spaces():
    assert split_department_path("総務局／人事部 ＞ 人事課") == ("総務局", "人事部", "人事課")
    assert split_department_path("総務局>人事部//人事課") == ("総務局", "人事部", "人事課")
    # A space belongs to the name: flat rosters with spaced names import as before.
    assert split_department_path("市民局　区政支援室") == ("市民局 区政支援室",)


def test_separate_level_columns_in_an_xlsx_file(osaka):
    upload = xlsx_upload(
        [
            ["職員番号", "氏名", "局", "部", "課", "係", "職名", "任用形態"],
            ["1001", "研修 一郎", "総務局", "人事部", "人事課", "研修係", "主事", "常勤"],
            ["1002", "人事 花子", "総務局", "人事部", "人事課", None, "課長", "任期付"],
            # An office without a 部 level writes the 局 and the 課 only.
            ["3001", "環境 四郎", "環境局", None, "環境課", None, "係長", "その他"],
        ]
    )
    outcome = run(osaka, upload)
    assert outcome.errors == []
    assert outcome.extra["departments"] == 6
    staff = {s.staff_number: s for s in StaffMember.objects.filter(municipality=osaka)}
    assert staff["1001"].department == unit(osaka, "総務局/人事部/人事課/研修係")
    assert staff["1002"].department == unit(osaka, "総務局/人事部/人事課")
    assert staff["3001"].department == unit(osaka, "環境局/環境課")
    assert staff["1002"].employment_type == EmploymentType.FIXED_TERM
    assert staff["3001"].position == "係長"


def test_a_shift_jis_csv_with_a_path_column(osaka):
    text = (
        "職員番号,氏名,所属,役職,雇用形態\n"
        "1001,研修 一郎,総務局／人事部／人事課,主事,会計年度任用職員\n"
        "1002,髙橋 花子,総務局／人事部,部長,再任用職員\n"
    )
    outcome = run(osaka, csv_upload(text, encoding="cp932"))
    assert outcome.errors == []
    staff = {s.staff_number: s for s in StaffMember.objects.filter(municipality=osaka)}
    assert staff["1001"].department == unit(osaka, "総務局/人事部/人事課")
    assert staff["1002"].name == "髙橋 花子"
    assert staff["1002"].employment_type == EmploymentType.REAPPOINTED


def test_an_unknown_employment_type_is_refused_and_nothing_is_written(osaka):
    outcome = run(
        osaka,
        csv_upload(HEADER + "1001,研修 一郎,総務局/人事部,主事,パート,\n"),
    )
    assert [str(e) for e in outcome.errors] == [
        "row 2, column 雇用形態: 雇用形態「パート」は使えません。"
        "常勤、会計年度任用職員、再任用、任期付、その他 のどれかで書いてください。"
    ]
    assert not StaffMember.objects.exists()
    assert not Department.objects.exists()  # the new units went with the failed file


def test_too_deep_or_too_long_units_are_row_errors(osaka):
    deep = "/".join(f"階層{i}" for i in range(11))
    outcome = run(
        osaka,
        csv_upload(HEADER + f"1001,研修 一郎,{deep},,,\n1002,人事 花子,{'長' * 101},,,\n"),
    )
    assert [str(e) for e in outcome.errors] == [
        "row 2, column 所属: 所属の階層は 10 段までです。",
        "row 3, column 所属: 所属名は 1 段につき 100 文字以内にしてください。",
    ]
    assert not Department.objects.exists()


def test_both_unit_styles_at_once_are_refused(osaka):
    outcome = run(osaka, csv_upload("職員番号,氏名,所属,課\n1001,研修 一郎,総務局,人事課\n"))
    assert [str(e) for e in outcome.errors] == [
        "row 1, column 所属: 所属は「所属」の列か「局・部・課・係」の列のどちらか一方で"
        "書いてください。"
    ]


def test_a_flat_name_finds_a_unit_the_office_moved_into_the_tree(osaka):
    run(osaka, csv_upload("職員番号,氏名,所属\n1001,研修 一郎,人事課\n1002,人事 花子,総務局\n"))
    section = Department.objects.get(municipality=osaka, name="人事課")
    section.parent = Department.objects.get(municipality=osaka, name="総務局")
    department_save(department=section)
    # Next night's roster is still flat: the moved 人事課 is found, no second one is made.
    outcome = run(
        osaka, csv_upload("職員番号,氏名,所属\n1001,研修 一郎,人事課\n1002,人事 花子,総務局\n")
    )
    assert outcome.errors == [] and outcome.extra["departments"] == 0
    assert StaffMember.objects.get(staff_number="1001").department == section
    assert Department.objects.filter(municipality=osaka, name="人事課").count() == 1


def test_moving_a_unit_moves_its_subtree_and_cycles_are_refused(osaka, city):
    personnel = unit(osaka, "総務局/人事部")
    citizens = unit(osaka, "市民局")
    personnel.parent = citizens
    department_save(department=personnel)
    training = Department.objects.get(municipality=osaka, name="研修係")
    assert training.path == f"{citizens.path}{personnel.pk}/{training.parent_id}/{training.pk}/"
    assert training in citizens.subtree()
    citizens.parent = training
    with pytest.raises(ValidationError) as error:
        department_save(department=citizens)
    assert "循環" in str(error.value)


def test_another_municipalitys_unit_cannot_be_a_parent(osaka, sakai, city):
    other = Department.objects.create(municipality=sakai, name="堺市総務局")
    mine = unit(osaka, "市民局")
    mine.parent = other
    with pytest.raises(ValidationError) as error:
        department_save(department=mine)
    assert "同じ市区町村" in str(error.value)


# --- The admin: the training office edits the tree --------------------------------------------


def test_the_office_adds_a_unit_under_a_parent_and_sees_it_by_its_path(client, osaka, city):
    client.force_login(office(osaka))
    parent = unit(osaka, "市民局/区政課")
    response = client.post(
        reverse("department:add"),
        {"municipality": osaka.pk, "parent": parent.pk, "name": "区政係", "code": ""},
    )
    assert response.status_code == 302
    created = Department.objects.get(name="区政係")
    assert created.parent == parent and created.path.startswith(parent.path)
    listing = client.get(reverse("department:index")).content.decode()
    assert "市民局/区政課/区政係" in listing
    assert "総務局/人事部/人事課/研修係" in listing


def test_the_admin_refuses_a_cycle_with_a_japanese_message(client, osaka, city):
    client.force_login(office(osaka))
    bureau = unit(osaka, "総務局")
    training = unit(osaka, "総務局/人事部/人事課/研修係")
    response = client.post(
        reverse("department:edit", args=[bureau.pk]),
        {"parent": training.pk, "name": "総務局", "code": ""},
    )
    # The unit's own subtree is not even offered; a forged or stale choice is refused, not
    # saved, and the message says why.
    assert response.status_code == 200
    assert "循環します" in response.content.decode()
    assert "正しく選択してください" not in response.content.decode()
    bureau.refresh_from_db()
    assert bureau.parent is None


def test_each_unit_in_the_list_links_to_its_edit_screen(client, osaka, city):
    client.force_login(office(osaka))
    listing = client.get(reverse("department:index")).content.decode()
    for path in ("総務局/人事部/人事課/研修係", "市民局/区政課"):
        edit_url = reverse("department:edit", args=[unit(osaka, path).pk])
        assert f'href="{edit_url}"' in listing, path


def test_a_unit_with_units_below_it_is_not_deleted(client, osaka, city):
    client.force_login(office(osaka))
    bureau = unit(osaka, "総務局")
    # Wagtail's delete screen lists the units below as what protects it, and refuses.
    assert client.get(reverse("department:delete", args=[bureau.pk])).status_code == 200
    assert refused(client.post(reverse("department:delete", args=[bureau.pk])))
    assert Department.objects.filter(pk=bureau.pk).exists()
    with pytest.raises(ValidationError, match="下位の所属がある所属は削除できません"):
        department_delete(department=bureau)


def test_another_municipalitys_office_never_sees_or_edits_the_tree(client, osaka, sakai, city):
    client.force_login(office(sakai))
    listing = client.get(reverse("department:index")).content.decode()
    assert "研修係" not in listing and "人事部" not in listing
    assert refused(client.get(reverse("department:edit", args=[unit(osaka, "総務局").pk])))
    mine = Department.objects.create(municipality=sakai, name="堺市総務局")
    response = client.post(
        reverse("department:edit", args=[mine.pk]),
        {"parent": unit(osaka, "総務局").pk, "name": "堺市総務局", "code": ""},
    )
    assert response.status_code == 200  # the form refuses the other city's unit
    mine.refresh_from_db()
    assert mine.parent is None


# --- Managers and deputies ------------------------------------------------------------------


def test_a_manager_sees_the_whole_subtree_of_their_unit(client, osaka, city):
    manager = manager_of(unit(osaka, "総務局/人事部"))
    scope = scope_for_user(manager)
    assert scope.allows_department(unit(osaka, "総務局/人事部/人事課/研修係").pk)
    assert not scope.allows_department(unit(osaka, "総務局").pk)
    client.force_login(manager)
    roster = client.get(reverse("staff_members:index")).content.decode()
    assert "研修 一郎" in roster and "人事 花子" in roster
    assert "総務 次郎" not in roster and "市民 三郎" not in roster
    assert refused(client.get(reverse("staff_members:edit", args=[city["2001"].pk])))


def test_a_deputy_sees_the_managers_view_for_the_period_only(client, osaka, city):
    section = unit(osaka, "総務局/人事部/人事課")
    manager = manager_of(section)
    # The deputy: a colleague on the roster (the form offers this municipality's people only).
    deputy = city["1003"].learner.user
    today = tokyo_date()
    client.force_login(manager)
    response = client.post(
        reverse("manager_delegations:add"),
        {
            "municipality": osaka.pk,
            "department": section.pk,
            "deputy": deputy.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=7)).isoformat(),
            "reason": "育児休業",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    delegation = ManagerDelegation.objects.get()
    assert delegation.delegated_by == manager

    client.force_login(deputy)
    roster = client.get(reverse("staff_members:index"))
    assert roster.status_code == 200
    assert "研修 一郎" in roster.content.decode() and "市民 三郎" not in roster.content.decode()
    report = client.get(reverse("staff_training_report"))
    assert report.status_code == 200
    # A deputy does not delegate the view on, nor see who else was given one.
    assert refused(client.get(reverse("manager_delegations:add")))
    # The delegation has ended: the view is gone by itself.
    delegation.ends_on = today - dt.timedelta(days=1)
    delegation.starts_on = today - dt.timedelta(days=8)
    delegation.save()
    client.force_login(deputy)
    assert refused(client.get(reverse("staff_members:index")))
    assert scope_for_user(type(deputy).objects.get(pk=deputy.pk)) is None


def test_a_manager_cannot_delegate_a_unit_outside_their_subtree(client, osaka, city):
    manager = manager_of(unit(osaka, "総務局/人事部"))
    deputy = city["1003"].learner.user
    client.force_login(manager)
    today = tokyo_date()
    response = client.post(
        reverse("manager_delegations:add"),
        {
            "municipality": osaka.pk,
            "department": unit(osaka, "市民局").pk,
            "deputy": deputy.pk,
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        },
    )
    assert response.status_code == 200 and not ManagerDelegation.objects.exists()


def test_the_office_delegates_and_cannot_reach_another_municipality(client, osaka, sakai, city):
    deputy = city["1002"].learner.user
    client.force_login(office(sakai))
    today = tokyo_date()
    response = client.post(
        reverse("manager_delegations:add"),
        {
            "municipality": osaka.pk,
            "department": unit(osaka, "総務局").pk,
            "deputy": deputy.pk,
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        },
    )
    assert response.status_code == 200 and not ManagerDelegation.objects.exists()
    client.force_login(office(osaka))
    with pytest.raises(ValidationError):
        manager_delegation_save(
            delegation=ManagerDelegation(
                municipality=osaka,
                department=unit(osaka, "総務局"),
                deputy=deputy,
                starts_on=today,
                ends_on=today - dt.timedelta(days=1),
            )
        )


def test_a_staff_member_sees_no_admin_screen(client, osaka, city):
    client.force_login(city["1001"].learner.user)
    for name in ("department:index", "staff_members:index", "manager_delegations:index"):
        assert refused(client.get(reverse(name)))


# --- 異動 --------------------------------------------------------------------------------------


def test_a_move_on_the_roster_is_recorded_and_shown_to_the_office(client, osaka, city):
    outcome = run(
        osaka,
        csv_upload("職員番号,氏名,所属\n1001,研修 一郎,市民局/区政課\n"),
        mode="changes",
    )
    assert outcome.errors == [] and outcome.extra["moved"] == 1
    transfer = StaffTransfer.objects.get()
    assert transfer.staff_member == city["1001"]
    assert (transfer.from_name, transfer.to_name) == (
        "総務局/人事部/人事課/研修係",
        "市民局/区政課",
    )
    assert transfer.moved_on == tokyo_date()
    # Position and employment type stay as they were: the file has no such columns.
    moved = StaffMember.objects.get(pk=city["1001"].pk)
    assert (moved.position, moved.employment_type) == ("主事", "full_time")
    client.force_login(office(osaka))
    history = client.get(reverse("staff_transfers:index")).content.decode()
    assert "研修 一郎" in history and "市民局/区政課" in history
    # Nobody adds or edits a transfer by hand.
    assert refused(client.get(reverse("staff_transfers:add")))
    # The person sees their own history in their data export, and no one else's.
    client.force_login(moved.learner.user)
    entry = client.get(reverse("export-my-data")).json()["staff_roster"]
    assert entry["department"] == "市民局/区政課" and entry["position"] == "主事"
    assert [(t["from"], t["to"]) for t in entry["transfers"]] == [
        ("総務局/人事部/人事課/研修係", "市民局/区政課")
    ]
    client.force_login(city["2001"].learner.user)
    assert refused(client.get(reverse("staff_transfers:index")))


def test_a_dry_run_records_no_move(osaka, city):
    outcome = run(
        osaka,
        csv_upload("職員番号,氏名,所属\n1001,研修 一郎,市民局/区政課\n"),
        mode="changes",
        dry_run=True,
    )
    assert outcome.extra["moved"] == 1
    assert not StaffTransfer.objects.exists()
    assert StaffMember.objects.get(pk=city["1001"].pk).department.name == "研修係"
