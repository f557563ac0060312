"""Importing a municipality's staff roster from CSV/XLSX: preview, errors, re-import, scope."""

import io

import pytest
import tablib
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from base.imports import ImportFileError, RowError, read_dataset
from organizations.models import AdminScope, Department, StaffMember
from organizations.resources import roster_import
from organizations.scopes import NATION, scope_for_user
from tests import factories

HEADER = "職員番号,氏名,ふりがな,所属,メールアドレス,在職区分\n"


@pytest.fixture
def osaka(db):
    return factories.municipality("271004", "大阪市")


def upload(text: str, *, encoding="utf-8", name="roster.csv"):
    return SimpleUploadedFile(name, text.encode(encoding))


def run(osaka, text, *, dry_run=False, encoding="utf-8", scope=NATION, mode="whole", allow=True):
    dataset = read_dataset(upload(text, encoding=encoding), max_bytes=1_000_000)
    return roster_import(
        municipality=osaka,
        dataset=dataset,
        dry_run=dry_run,
        scope=scope,
        mode=mode,
        allow_mass_leaving=allow,
    )


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
    outcome = roster_import(
        municipality=osaka, dataset=read, dry_run=False, scope=NATION, mode="whole"
    )
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
    assert [str(e) for e in outcome.errors] == [
        "row 1, column 所属: この列（または「局・部・課・係」の列）がありません。"
    ]


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
        call_command(
            "import_roster", "--municipality", "271004", "--whole-roster", str(path), stderr=err
        )
    assert exit_info.value.code == 1
    assert "row 2, column 氏名: 氏名がありません。" in err.getvalue()
    assert not StaffMember.objects.exists()

    path.write_text(HEADER + "1001,大阪 花子,,福祉局,,在職\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_roster",
        "--municipality",
        "271004",
        "--whole-roster",
        str(path),
        "--dry-run",
        stdout=out,
    )
    assert not StaffMember.objects.exists()
    call_command(
        "import_roster", "--municipality", "271004", "--whole-roster", str(path), stdout=out
    )
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
    # Row by row this would be five statements a row (15,000); here a few per 1,000 rows, plus
    # a few per new unit (its INSERT and the UPDATE of its path in the tree), whatever the rows.
    with django_assert_max_num_queries(80):
        outcome = roster_import(
            municipality=osaka, dataset=dataset, dry_run=False, scope=NATION, mode="whole"
        )
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


# --- partial rosters, explicit mode, mass leaving ----------------------------------------------


def five_active(osaka):
    run(osaka, HEADER + "".join(f"100{i},職員 {i},,福祉局,,在職\n" for i in range(1, 6)))
    assert StaffMember.objects.filter(status="active").count() == 5


def test_changes_only_updates_the_people_in_the_file_and_nobody_else(osaka):
    five_active(osaka)
    outcome = run(osaka, HEADER + "1001,職員 1 改,,市民局,,在職\n", mode="changes", allow=False)
    assert outcome.errors == [] and outcome.updated == 1
    assert outcome.extra["leaving"] == 0 and outcome.confirmations == []
    assert StaffMember.objects.filter(status="active").count() == 5
    assert StaffMember.objects.get(staff_number="1001").name == "職員 1 改"


def test_a_partial_file_as_the_whole_roster_names_the_leavers_and_needs_a_second_confirmation(
    osaka,
):
    five_active(osaka)
    preview = run(osaka, HEADER + "1001,職員 1,,福祉局,,在職\n", dry_run=True, allow=False)
    assert preview.is_valid and preview.extra["leaving"] == 4
    assert preview.warnings[0].startswith("この名簿にいない 4 人（在職者の 80%）を「退職・異動」")
    heading, lines = preview.details[0]
    assert heading == "「退職・異動」になる人（4 人）"
    assert lines == [f"100{i} 職員 {i}（福祉局）" for i in range(2, 6)]
    assert [name for name, _label in preview.confirmations] == ["allow_mass_leaving"]

    refused = run(osaka, HEADER + "1001,職員 1,,福祉局,,在職\n", allow=False)
    assert not refused.is_valid
    assert "確認が必要です" in refused.errors[0].message
    assert StaffMember.objects.filter(status="active").count() == 5

    done = run(osaka, HEADER + "1001,職員 1,,福祉局,,在職\n", allow=True)
    assert done.is_valid
    assert StaffMember.objects.filter(status="active").count() == 1
    assert not StaffMember.objects.get(staff_number="1002").learner.user.is_active


def test_a_few_leavers_below_the_share_need_no_second_confirmation(osaka, settings):
    settings.ROSTER_MAX_LEAVING_SHARE = 0.2
    five_active(osaka)
    rows = "".join(f"100{i},職員 {i},,福祉局,,在職\n" for i in range(1, 5))
    outcome = run(osaka, HEADER + rows, allow=False)
    assert outcome.is_valid and outcome.extra["leaving"] == 1
    assert outcome.confirmations == []
    assert StaffMember.objects.get(staff_number="1005").status == "leaving"


def test_the_command_needs_a_mode_and_refuses_mass_leaving_without_the_flag(osaka, tmp_path):
    five_active(osaka)
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "1001,職員 1,,福祉局,,在職\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_roster", "--municipality", "271004", str(path))
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_roster", "--municipality", "271004", "--whole-roster", str(path), stderr=err
        )
    assert "退職・異動" in err.getvalue() and "1005 職員 5（福祉局）" in err.getvalue()
    assert StaffMember.objects.filter(status="active").count() == 5
    call_command(
        "import_roster",
        "--municipality",
        "271004",
        "--changes-only",
        str(path),
        stdout=io.StringIO(),
    )
    assert StaffMember.objects.filter(status="active").count() == 5
    call_command(
        "import_roster",
        "--municipality",
        "271004",
        "--whole-roster",
        "--allow-mass-leaving",
        str(path),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert StaffMember.objects.filter(status="active").count() == 1


# --- header variants and Excel's numbers -------------------------------------------------------


def test_header_variants_of_the_issue_are_read_and_unknown_columns_reported(osaka):
    text = (
        "職員番号,氏名,氏名（カナ）,所属,メールアドレス（公用）,在籍状況,備考\n"
        "1001,大阪 花子,オオサカ ハナコ,福祉局,hanako@example.jp,退職,産休\n"
    )
    outcome = run(osaka, text)
    assert outcome.errors == []
    hanako = StaffMember.objects.get(staff_number="1001")
    assert hanako.name_kana == "オオサカ ハナコ"
    assert hanako.email == "hanako@example.jp"
    assert hanako.status == "leaving"
    assert not hanako.learner.user.is_active
    assert outcome.warnings == ["次の列は取り込みません（見出しが分かりません）：「備考」"]


@pytest.mark.parametrize(
    "header",
    ["職員番号", "職員番号（必須）", "職員 番号", "職員番号 ※必須", "[職員番号]", "*職員番号"],
)
def test_staff_number_header_with_brackets_spaces_and_marks(osaka, header):
    outcome = run(osaka, f"{header},氏名,所属\n1001,大阪 花子,福祉局\n")
    assert outcome.errors == [] and outcome.new == 1


def test_excel_dropping_leading_zeros_matches_the_existing_person_and_warns(osaka):
    run(osaka, HEADER + "00123,大阪 花子,,福祉局,,在職\n00124,大阪 太郎,,福祉局,,在職\n")
    dataset = tablib.Dataset(headers=["職員番号", "氏名", "所属"])
    dataset.append([123, "大阪 花子", "市民局"])
    dataset.append([124, "大阪 太郎", "福祉局"])
    dataset.append([7, "新人 一郎", "福祉局"])
    read = read_dataset(SimpleUploadedFile("r.xlsx", dataset.export("xlsx")), max_bytes=10**6)
    outcome = roster_import(
        municipality=osaka, dataset=read, dry_run=False, scope=NATION, mode="whole"
    )
    assert outcome.errors == []
    assert outcome.new == 1 and outcome.extra["leaving"] == 0
    assert sorted(StaffMember.objects.values_list("staff_number", flat=True)) == [
        "00007",
        "00123",
        "00124",
    ]
    assert StaffMember.objects.get(staff_number="00123").department.name == "市民局"
    assert any("123 → 00123" in w and "2 人" in w for w in outcome.warnings)
    assert any("5 桁" in w and "7 → 00007" in w for w in outcome.warnings)


def test_a_number_that_could_be_two_people_is_refused(osaka):
    run(osaka, HEADER + "0123,甲,,福祉局,,在職\n00123,乙,,福祉局,,在職\n")
    outcome = run(osaka, HEADER + "123,甲,,福祉局,,在職\n", mode="changes")
    assert not outcome.is_valid
    assert "0123、00123 のどの人か決められません" in outcome.errors[0].message
