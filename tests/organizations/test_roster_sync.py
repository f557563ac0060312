"""The nightly roster sync: ``import_roster --municipality CODE --from DIR`` on real folders."""

import io
import json
import os
import time

import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command

from organizations.models import AdminScope, RosterSyncRun, StaffMember
from organizations.roster_sync import RosterSyncBusy, roster_sync_folder
from tests import factories

HEADER = "職員番号,氏名,ふりがな,所属,メールアドレス,在職区分\n"


@pytest.fixture
def osaka(db):
    return factories.municipality("271004", "大阪市")


@pytest.fixture
def office(osaka):
    """大阪市's training office: a municipal administrator who keeps the roster; 堺市's
    administrator, with the same permission, must never be mailed about 大阪市."""
    sakai = factories.municipality("271403", "堺市")
    keep = Permission.objects.get(codename="add_staffmember")
    for name, area in (("osaka-office", osaka), ("sakai-office", sakai)):
        user = factories.user(name, email=f"{name}@example.jp")
        user.user_permissions.add(keep)
        AdminScope.objects.create(user=user, level="municipality", municipality=area)
    return "osaka-office@example.jp"


def drop(folder, name, text, *, age=0):
    """A file as the HR system leaves it, ``age`` seconds old."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def drop_xlsx(folder, name, rows, *, age=0):
    dataset = tablib.Dataset(headers=HEADER.strip().split(","))
    for row in rows:
        dataset.append(row)
    path = folder / name
    path.write_bytes(dataset.export("xlsx"))
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def sync(folder, *flags, mode="--whole-roster"):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(
            "import_roster",
            "--municipality",
            "271004",
            mode,
            *flags,
            "--from",
            str(folder),
            stdout=out,
            stderr=err,
        )
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + err.getvalue()


def results(folder):
    return sorted((folder / "results").glob("*.json"))


def test_a_good_csv_is_imported_archived_its_result_written_and_the_office_mailed(
    osaka, office, tmp_path
):
    drop(tmp_path, "roster.csv", HEADER + "1001,職員 一,,福祉局,a@example.jp,在職\n")
    code, output = sync(tmp_path)
    assert code == 0, output
    assert StaffMember.objects.get(staff_number="1001").name == "職員 一"
    assert not (tmp_path / "roster.csv").exists()
    [archived] = (tmp_path / "archive").iterdir()
    assert archived.name.startswith("roster-") and archived.suffix == ".csv"
    [result] = results(tmp_path)
    data = json.loads(result.read_text(encoding="utf-8"))
    assert data["status"] == "imported" and data["mode"] == "whole"
    assert data["counts"]["new"] == 1 and data["errors"] == []
    text = (tmp_path / "results" / f"{archived.name}.txt").read_text(encoding="utf-8")
    assert "名簿を取り込みました" in text and "新規: 1" in text
    [message] = mail.outbox
    assert message.to == [office]
    assert "大阪市" in message.subject and "取り込み済み" in message.subject
    run = RosterSyncRun.objects.get()
    assert (run.file_name, run.status, run.new, run.mode) == ("roster.csv", "imported", 1, "whole")
    assert run.finished_at is not None and len(run.sha256) == 64


def test_the_same_file_again_is_not_imported_again(osaka, office, tmp_path):
    content = HEADER + "1001,職員 一,,福祉局,,在職\n"
    drop(tmp_path, "roster.csv", content)
    sync(tmp_path)
    # The office corrects the name in the admin; the same export dropped again must not undo it.
    StaffMember.objects.filter(staff_number="1001").update(name="職員 一（訂正）")
    drop(tmp_path, "roster-again.csv", content)
    code, output = sync(tmp_path)
    assert code == 0 and "同じ内容" in output
    assert StaffMember.objects.get(staff_number="1001").name == "職員 一（訂正）"
    assert [r.status for r in RosterSyncRun.objects.order_by("pk")] == ["imported", "skipped"]
    assert len(mail.outbox) == 1  # only the import is mailed
    assert not (tmp_path / "roster-again.csv").exists()
    assert len(results(tmp_path)) == 2


def test_a_bad_file_changes_nothing_and_its_errors_are_in_the_result_and_the_mail(
    osaka, office, tmp_path
):
    drop(tmp_path, "old.csv", HEADER + "1001,職員 一,,福祉局,,在職\n", age=100)
    sync(tmp_path)
    mail.outbox.clear()
    drop(
        tmp_path,
        "bad.csv",
        HEADER + "1001,職員 一 改,,市民局,,在職\n1002,,,福祉局,not-an-email,在職\n",
    )
    code, output = sync(tmp_path)
    assert code == 1
    assert StaffMember.objects.get(staff_number="1001").name == "職員 一"
    assert not StaffMember.objects.filter(staff_number="1002").exists()
    data = json.loads(results(tmp_path)[0].read_text(encoding="utf-8"))
    assert data["status"] == "failed"
    assert {(e["row"], e["column"]) for e in data["errors"]} == {(3, "氏名"), (3, "メールアドレス")}
    [message] = mail.outbox
    assert "3 行目 氏名：氏名がありません。" in message.body
    assert "何も変更していません" in message.body
    assert RosterSyncRun.objects.latest("pk").status == "failed"
    # The refused file is archived: the next night does not fail on it again.
    assert not (tmp_path / "bad.csv").exists()


def test_an_unreadable_file_is_a_failed_run_with_a_result(osaka, office, tmp_path):
    (tmp_path / "roster.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code, _output = sync(tmp_path)
    assert code == 1
    run = RosterSyncRun.objects.get()
    assert run.status == "failed" and run.error_count == 1
    assert "ファイルを読めません" in mail.outbox[0].body


def test_of_two_files_the_newest_is_taken_and_the_older_archived_unread(osaka, tmp_path):
    drop_xlsx(tmp_path, "older.xlsx", [["1001", "古い 名前", "", "福祉局", "", "在職"]], age=3600)
    drop_xlsx(tmp_path, "newer.xlsx", [["1001", "新しい 名前", "", "福祉局", "", "在職"]])
    code, output = sync(tmp_path)
    assert code == 0, output
    assert StaffMember.objects.get(staff_number="1001").name == "新しい 名前"
    assert RosterSyncRun.objects.get().file_name == "newer.xlsx"
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "archive").iterdir()) == [
        "newer",
        "older",
    ]
    # Nothing left: the next run never imports the older roster over the newer one.
    code, output = sync(tmp_path)
    assert "取り込むファイルはありません" in output
    assert RosterSyncRun.objects.count() == 1


def test_mass_leaving_is_refused_in_the_result_and_the_mail_unless_allowed(osaka, office, tmp_path):
    rows = "".join(f"100{i},職員 {i},,福祉局,,在職\n" for i in range(1, 6))
    drop(tmp_path, "full.csv", HEADER + rows, age=100)
    sync(tmp_path)
    mail.outbox.clear()
    partial = HEADER + "1001,職員 1,,福祉局,,在職\n"
    drop(tmp_path, "partial.csv", partial)
    code, _output = sync(tmp_path)
    assert code == 1
    assert StaffMember.objects.filter(status="active").count() == 5
    assert RosterSyncRun.objects.latest("pk").status == "refused"
    assert "--allow-mass-leaving" in mail.outbox[0].body
    text = next((tmp_path / "results").glob("partial-*.txt")).read_text(encoding="utf-8")
    assert "大量退職のため中止" in text and "--changes-only" in text

    drop(tmp_path, "partial.csv", partial)
    code, _output = sync(tmp_path, "--allow-mass-leaving")
    assert code == 0
    assert StaffMember.objects.filter(status="active").count() == 1


def test_changes_only_with_an_explicit_retirement_column(osaka, tmp_path):
    rows = "".join(f"100{i},職員 {i},,福祉局,,在職\n" for i in range(1, 4))
    drop(tmp_path, "full.csv", HEADER + rows, age=100)
    sync(tmp_path)
    drop(tmp_path, "diff.csv", HEADER + "1002,職員 2,,福祉局,,退職\n")
    code, output = sync(tmp_path, mode="--changes-only")
    assert code == 0, output
    status = dict(StaffMember.objects.values_list("staff_number", "status"))
    assert status == {"1001": "active", "1002": "leaving", "1003": "active"}
    run = RosterSyncRun.objects.latest("pk")
    assert run.mode == "changes" and run.status == "imported"


def test_a_second_run_while_one_is_running_stops_at_once(osaka, tmp_path):
    drop(tmp_path, "roster.csv", HEADER + "1001,職員 一,,福祉局,,在職\n")
    RosterSyncRun.objects.create(municipality=osaka, mode="whole")  # the other run's lock
    with pytest.raises(RosterSyncBusy):
        roster_sync_folder(municipality=osaka, folder=tmp_path, mode="whole")
    code, output = sync(tmp_path)
    assert code == 2 and "実行中" in output
    assert (tmp_path / "roster.csv").exists() and not StaffMember.objects.exists()


def test_a_crashed_runs_lock_expires(osaka, tmp_path, settings):
    settings.ROSTER_SYNC_STALE_HOURS = 1
    stale = RosterSyncRun.objects.create(municipality=osaka, mode="whole")
    RosterSyncRun.objects.filter(pk=stale.pk).update(started_at=stale.started_at.replace(year=2020))
    drop(tmp_path, "roster.csv", HEADER + "1001,職員 一,,福祉局,,在職\n")
    code, _output = sync(tmp_path)
    assert code == 0
    stale.refresh_from_db()
    assert stale.status == "abandoned"


def test_keep_days_deletes_old_archived_files_and_results(osaka, tmp_path):
    for sub in ("archive", "results"):
        (tmp_path / sub).mkdir()
        old = drop(tmp_path / sub, "old.csv", "x", age=91 * 86400)
        recent = drop(tmp_path / sub, "recent.csv", "x", age=89 * 86400)
    sync(tmp_path)
    assert not old.exists() and recent.exists()
    assert not (tmp_path / "archive" / "old.csv").exists()
    sync(tmp_path, "--keep-days", "30")
    assert not recent.exists()


def test_the_run_and_its_mode_are_visible_in_the_admin_to_its_own_area_only(
    osaka, office, tmp_path, client, django_user_model
):
    drop(tmp_path, "roster.csv", HEADER + "1001,職員 一,,福祉局,,在職\n")
    sync(tmp_path, mode="--changes-only")
    run = RosterSyncRun.objects.get()
    view = Permission.objects.filter(codename__in=["access_admin", "view_rostersyncrun"])
    for username in ("osaka-office", "sakai-office"):
        django_user_model.objects.get(username=username).user_permissions.add(*view)

    client.force_login(django_user_model.objects.get(username="osaka-office"))
    listing = client.get("/admin/roster-sync/").content.decode()
    assert "roster.csv" in listing and "差分のみ" in listing and "取り込み済み" in listing
    inspect = client.get(f"/admin/roster-sync/inspect/{run.pk}/").content.decode()
    assert "新規: 1" in inspect
    # Nobody edits or deletes the record of what the sync did.
    assert client.get(f"/admin/roster-sync/edit/{run.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/roster-sync/delete/{run.pk}/").status_code in (302, 403)
    assert RosterSyncRun.objects.filter(pk=run.pk).exists()

    client.force_login(django_user_model.objects.get(username="sakai-office"))
    assert "roster.csv" not in client.get("/admin/roster-sync/").content.decode()
    # Wagtail answers "no permission" by sending people back to the dashboard.
    assert client.get(f"/admin/roster-sync/inspect/{run.pk}/").status_code in (302, 403, 404)


def test_the_configured_addresses_replace_the_administrators(osaka, office, tmp_path, settings):
    settings.ROSTER_SYNC_NOTIFY = {"271004": ["jinji@city.example.jp"]}
    drop(tmp_path, "roster.csv", HEADER + "1001,職員 一,,福祉局,,在職\n")
    sync(tmp_path)
    assert [m.to for m in mail.outbox] == [["jinji@city.example.jp"]]


def test_a_mail_server_that_is_down_does_not_undo_or_fail_the_import(
    osaka, office, tmp_path, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    drop(tmp_path, "roster.csv", HEADER + "1001,職員 一,,福祉局,,在職\n")
    code, output = sync(tmp_path)
    assert code == 0 and "通知メールを送れませんでした" in output
    assert StaffMember.objects.filter(staff_number="1001").exists()
    assert RosterSyncRun.objects.get().status == "imported"
    assert len(results(tmp_path)) == 1


def test_an_hr_systems_own_retirement_column_in_a_changes_only_file(osaka, tmp_path):
    rows = "".join(f"100{i},職員 {i},,福祉局,,在職\n" for i in range(1, 4))
    drop(tmp_path, "full.csv", HEADER + rows, age=100)
    sync(tmp_path)
    drop(
        tmp_path,
        "diff.csv",
        "職員番号,氏名,所属,退職フラグ\n1001,職員 1,福祉局,\n1003,職員 3,福祉局,1\n",
    )
    code, output = sync(tmp_path, mode="--changes-only")
    assert code == 0, output
    status = dict(StaffMember.objects.values_list("staff_number", "status"))
    assert status == {"1001": "active", "1002": "active", "1003": "leaving"}
    assert not StaffMember.objects.get(staff_number="1003").learner.user.is_active


def test_a_retirement_mark_contradicting_the_status_or_unreadable_is_an_error(osaka, tmp_path):
    drop(
        tmp_path,
        "diff.csv",
        HEADER.strip() + ",退職\n1001,職員 1,,福祉局,,在職,1\n1002,職員 2,,福祉局,,,たぶん\n",
    )
    code, _output = sync(tmp_path, mode="--changes-only")
    assert code == 1 and not StaffMember.objects.exists()
    data = json.loads(results(tmp_path)[0].read_text(encoding="utf-8"))
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(2, "退職"), (3, "退職")]
    assert "在職区分は「在職」ですが" in data["errors"][0]["message"]
