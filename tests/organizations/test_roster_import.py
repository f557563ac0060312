"""Importing a municipality's staff roster from CSV/XLSX: preview, errors, re-import, scope."""

import io

import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from elearning.imports import ImportFileError, RowError, read_dataset
from organizations.models import AdminScope, Department, StaffMember
from organizations.scopes import NATION, scope_for_user
from organizations.services import roster_import
from tests import factories

HEADER = "職員番号,氏名,ふりがな,所属,メールアドレス,在職区分\n"


@pytest.fixture
def osaka(db):
    return factories.municipality("271004", "大阪市")


def upload(text: str, *, encoding="utf-8", name="roster.csv"):
    return SimpleUploadedFile(name, text.encode(encoding))


def run(osaka, text, *, dry_run=False, encoding="utf-8", scope=NATION):
    dataset = read_dataset(upload(text, encoding=encoding), max_bytes=1_000_000)
    return roster_import(municipality=osaka, dataset=dataset, dry_run=dry_run, scope=scope)


def test_utf8_roster_with_bom_creates_staff_departments_and_accounts(osaka):
    text = (
        "\ufeff"
        + HEADER
        + (
            "1001,大阪 花子,おおさか はなこ,福祉局 地域福祉課,hanako@example.jp,在職\n"
            "1002,大阪 太郎,,市民局,,在職\n"
        )
    )
    outcome = run(osaka, text)
    assert outcome.errors == []
    assert outcome.new == 2
    hanako = StaffMember.objects.get(municipality=osaka, staff_number="1001")
    assert hanako.name == "大阪 花子"
    assert hanako.department.name == "福祉局 地域福祉課"
    assert hanako.learner.user.username == "271004-1001"
    assert not hanako.learner.user.has_usable_password()
    assert hanako.learner.department == hanako.department
    assert hanako.learner.municipality == osaka
    assert set(Department.objects.values_list("name", flat=True)) == {
        "福祉局 地域福祉課",
        "市民局",
    }


def test_shift_jis_roster_with_header_variants_and_excel_habits(osaka):
    text = (
        "職員コード,名前,フリガナ,部署,E-mail,状態\r\n"
        "１２３４,堺　次郎,サカイ ジロウ,建設局,jiro@example.jp,在職\r\n"
        "5678.0,高槻 三郎,,建設局,,在職\r\n"
        ",,,,,\r\n"
        ",,,,,\r\n"
    )
    outcome = run(osaka, text, encoding="cp932")
    assert outcome.errors == []
    assert outcome.total_rows == 2
    assert sorted(StaffMember.objects.values_list("staff_number", flat=True)) == ["1234", "5678"]
    assert StaffMember.objects.get(staff_number="1234").name == "堺 次郎"


def test_xlsx_roster_with_numbers_stored_as_floats(osaka):
    dataset = tablib.Dataset(headers=["職員番号", "氏名", "所属"])
    dataset.append([1234.0, "大阪 花子", "福祉局"])
    dataset.append([None, None, None])
    content = dataset.export("xlsx")
    read = read_dataset(SimpleUploadedFile("r.xlsx", content), max_bytes=1_000_000)
    outcome = roster_import(municipality=osaka, dataset=read, dry_run=False, scope=NATION)
    assert outcome.errors == []
    assert StaffMember.objects.get().staff_number == "1234"


def test_three_bad_rows_are_reported_exactly_and_nothing_is_written(osaka):
    text = HEADER + (
        "1001,大阪 花子,,福祉局,,在職\n"
        "1002,,,福祉局,,在職\n"  # row 3: no name
        "1003,大阪 太郎,,福祉局,not-an-email,在職\n"  # row 4: bad email
        "1004,堺 次郎,,市民局,,在職\n"
        "1005,高槻 三郎,,市民局,,休暇中\n"  # row 6: unknown status
    )
    outcome = run(osaka, text)
    assert [(e.row, e.column) for e in outcome.errors] == [
        (3, "氏名"),
        (4, "メールアドレス"),
        (6, "在職区分"),
    ]
    assert str(outcome.errors[0]) == "row 3, column 氏名: 氏名がありません。"
    assert not StaffMember.objects.exists()
    assert not Department.objects.exists()


def test_duplicate_staff_numbers_are_errors_on_both_rows(osaka):
    text = HEADER + "1001,大阪 花子,,福祉局,,在職\n1001,大阪 太郎,,市民局,,在職\n"
    outcome = run(osaka, text)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "職員番号"), (3, "職員番号")]
    assert not StaffMember.objects.exists()


def test_missing_required_column_is_reported_on_the_header_row(osaka):
    outcome = run(osaka, "職員番号,氏名\n1001,大阪 花子\n")
    assert [str(e) for e in outcome.errors] == ["row 1, column 所属: この列がありません。"]


def test_dry_run_previews_without_writing(osaka):
    outcome = run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n", dry_run=True)
    assert outcome.is_valid and outcome.new == 1
    assert outcome.preview[0][0] == 2
    assert not StaffMember.objects.exists()
    assert not Department.objects.exists()


def test_reimport_updates_by_staff_number_and_marks_leavers(osaka):
    run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n1002,大阪 太郎,,市民局,,在職\n")
    first = StaffMember.objects.get(staff_number="1001")
    outcome = run(osaka, HEADER + "1001,大阪 花子,,市民局,h@example.jp,在職\n1003,新人,,市民局,,\n")
    assert outcome.errors == []
    assert (outcome.new, outcome.updated, outcome.extra["leaving"]) == (1, 1, 1)
    moved = StaffMember.objects.get(staff_number="1001")
    assert moved.pk == first.pk
    assert moved.department.name == "市民局"
    assert moved.learner.department.name == "市民局"
    assert moved.learner.user.email == "h@example.jp"
    leaver = StaffMember.objects.get(staff_number="1002")
    assert leaver.status == StaffMember.Status.LEAVING
    assert StaffMember.objects.count() == 3
    again = run(osaka, HEADER + "1001,大阪 花子,,市民局,h@example.jp,在職\n1003,新人,,市民局,,\n")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)


def test_file_naming_another_municipality_is_refused(osaka):
    text = "団体コード,職員番号,氏名,所属\n271403,1001,堺 花子,健康福祉局\n"
    outcome = run(osaka, text)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "団体コード")]
    assert not StaffMember.objects.exists()


def test_administrator_of_another_municipality_may_not_import(osaka):
    sakai = factories.municipality("271403", "堺市")
    user = factories.user()
    AdminScope.objects.create(user=user, level="municipality", municipality=sakai)
    with pytest.raises(PermissionDenied):
        run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n", scope=scope_for_user(user))
    assert not StaffMember.objects.exists()


def test_files_too_large_empty_or_unreadable_are_refused():
    with pytest.raises(ImportFileError, match="大きすぎます"):
        read_dataset(upload(HEADER * 100), max_bytes=100)
    with pytest.raises(ImportFileError, match="空"):
        read_dataset(upload("\n\n"), max_bytes=100)
    with pytest.raises(ImportFileError):
        read_dataset(SimpleUploadedFile("x.xlsx", b"PK\x03\x04broken"), max_bytes=100)
    with pytest.raises(ImportFileError, match="データの行"):
        read_dataset(upload(HEADER), max_bytes=1000)


def test_row_error_reads_like_a_spreadsheet_reference():
    assert (
        str(RowError(5, "所属", "所属がありません。")) == "row 5, column 所属: 所属がありません。"
    )


def test_import_roster_command_prints_row_errors_and_exits_1(osaka, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "1001,,,福祉局,,在職\n", encoding="cp932")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_roster", "--municipality", "271004", str(path), stderr=err)
    assert exit_info.value.code == 1
    assert "row 2, column 氏名: 氏名がありません。" in err.getvalue()
    assert not StaffMember.objects.exists()

    path.write_text(HEADER + "1001,大阪 花子,,福祉局,,在職\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_roster", "--municipality", "271004", str(path), "--dry-run", stdout=out)
    assert not StaffMember.objects.exists()
    call_command("import_roster", "--municipality", "271004", str(path), stdout=out)
    assert StaffMember.objects.filter(staff_number="1001").exists()


def test_an_existing_account_with_the_same_login_id_is_never_handed_to_staff(osaka):
    citizen = factories.user(username="271004-1001")
    run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n1002,大阪 太郎,,福祉局,,在職\n")
    hanako = StaffMember.objects.get(staff_number="1001")
    assert hanako.learner.user != citizen
    assert hanako.learner.user.username.startswith("271004-1001-")
    assert StaffMember.objects.get(staff_number="1002").learner.user.username == "271004-1002"
    assert not hasattr(citizen, "learner") or citizen.learner.staff_member is None


def test_people_who_left_can_no_longer_sign_in_and_regain_access_when_back(osaka, client):
    run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n1002,大阪 太郎,,市民局,,在職\n")
    user = StaffMember.objects.get(staff_number="1002").learner.user
    user.set_password("pw-Secret-1")
    user.save()
    assert client.login(username=user.username, password="pw-Secret-1")
    client.logout()

    run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n")
    user.refresh_from_db()
    assert not user.is_active
    assert not client.login(username=user.username, password="pw-Secret-1")
    # The records stay: the person is still on file, marked as having left.
    assert StaffMember.objects.get(staff_number="1002").status == StaffMember.Status.LEAVING

    run(osaka, HEADER + "1001,大阪 花子,,福祉局,,在職\n1002,大阪 太郎,,市民局,,在職\n")
    user.refresh_from_db()
    assert user.is_active


def staff_rows(count: int, *, start=1000) -> str:
    return "".join(
        f"{start + i},職員 {i},,{'福祉局' if i % 2 else '市民局'},s{i}@example.jp,在職\n"
        for i in range(count)
    )


def test_a_large_roster_is_written_in_a_bounded_number_of_statements(
    osaka, django_assert_max_num_queries
):
    dataset = read_dataset(upload(HEADER + staff_rows(3000)), max_bytes=1_000_000)
    # Row by row this would be five statements a row (15,000); here a few per 1,000 rows.
    with django_assert_max_num_queries(60):
        outcome = roster_import(municipality=osaka, dataset=dataset, dry_run=False, scope=NATION)
    assert outcome.errors == [] and outcome.new == 3000
    staff = StaffMember.objects.filter(municipality=osaka).select_related("learner__user")
    assert staff.count() == 3000
    last = staff.get(staff_number="3999")
    assert (last.name, last.department.name, last.email) == (
        "職員 2999",
        "福祉局",
        "s2999@example.jp",
    )
    assert last.learner.user.username == "271004-3999"
    assert last.learner.user.email == "s2999@example.jp"
    assert last.learner.department == last.department
    assert not last.learner.user.has_usable_password()
    assert len({s.learner.public_id for s in staff}) == 3000
    assert len({s.learner.user_id for s in staff}) == 3000


def test_the_preview_shows_the_first_rows_and_every_error_of_a_long_file(osaka):
    rows = staff_rows(500).splitlines(keepends=True)
    rows[349] = "1349,,,福祉局,,在職\n"  # spreadsheet row 351: no name
    rows[449] = "1449,大阪 花子,,福祉局,bad-address,在職\n"  # row 451
    outcome = run(osaka, HEADER + "".join(rows), dry_run=True)
    assert [(e.row, e.column) for e in outcome.errors] == [(351, "氏名"), (451, "メールアドレス")]
    assert outcome.total_rows == 500
    assert [number for number, _kind, _values in outcome.preview] == list(range(2, 202))
    number, kind, values = outcome.preview[0]
    assert kind == "new"
    assert values == ["1000", "職員 0", "", "市民局", "s0@example.jp", "在職"]
    assert not StaffMember.objects.exists()


def test_the_preview_shows_the_cells_as_they_will_be_imported(osaka):
    text = "職員コード,名前,部署,状態\n１２３４,堺　次郎,建設局 　福祉課,在職\n"
    outcome = run(osaka, text, dry_run=True)
    assert outcome.preview_headers == ["職員番号", "氏名", "所属", "在職区分"]
    assert outcome.preview == [(2, "new", ["1234", "堺 次郎", "建設局 福祉課", "在職"])]
