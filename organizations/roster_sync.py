"""Rosters that sync themselves: import the newest roster file an HR system dropped in a folder.

``roster_sync_folder`` is what ``import_roster --municipality CODE --from DIR`` runs (from cron,
every night). One run:

1. takes the lock of the municipality: a ``RosterSyncRun`` row in state ``running`` (at most
   one per municipality, a unique constraint; a second run meanwhile stops at once). A running
   row older than ``ROSTER_SYNC_STALE_HOURS`` is a crashed run and is marked ``abandoned``;
2. picks the newest ``*.csv``/``*.xlsx`` of DIR (by modification time). Older files still in DIR
   are archived unread, so that a later run never imports an older roster over a newer one;
3. skips a file whose SHA-256 an earlier ``imported`` run of the municipality recorded;
4. otherwise imports it with the admin import's validation (``resources.roster_import``, one
   transaction: a failing file changes nothing; in whole mode the mass-leaving guard applies);
5. after the commit: moves the file to DIR/archive/<name>-<timestamp><suffix>, writes
   DIR/results/<archived name>.txt and .json (counts, warnings, every error with its row) and
   mails the training office a summary with every error (``recipients``; not for a skipped
   file).

``purge_archive`` deletes archived files and results older than ``--keep-days`` (they hold
personal data) and clears the stored details of runs that old.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.imports import ImportFileError, ImportOutcome, read_dataset

from . import services
from .models import AdminScope, Municipality, RosterSyncRun
from .resources import MASS_LEAVING, RosterMode, roster_import
from .scopes import NATION
from .services import RosterSyncBusy  # noqa: F401  (raised through this module's API)

logger = logging.getLogger(__name__)
ROSTER_SUFFIXES = (".csv", ".xlsx")
ARCHIVE = "archive"
RESULTS = "results"


@dataclass
class SyncReport:
    """What one run did, for the command's output and its exit status."""

    run: RosterSyncRun | None
    text: str = ""
    superseded: list[str] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.run.status if self.run else None


def stale_after() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "ROSTER_SYNC_STALE_HOURS", 6)))


def recipients(municipality: Municipality) -> list[str]:
    """Who is told about a run: the addresses ``ROSTER_SYNC_NOTIFY`` lists for the municipality's
    code when it has an entry; otherwise the municipality's own administrators (scope level
    市区町村) who keep its roster (permission to import it) and have an e-mail address.
    Prefectural and national administrators and department managers are not mailed."""
    configured = getattr(settings, "ROSTER_SYNC_NOTIFY", {}) or {}
    if municipality.code in configured:
        return sorted({address for address in configured[municipality.code] if address})
    users = (
        get_user_model()
        .objects.filter(
            admin_scope__level=AdminScope.Level.MUNICIPALITY,
            admin_scope__municipality=municipality,
            is_active=True,
        )
        .exclude(email="")
    )
    return sorted({user.email for user in users if user.has_perm("organizations.add_staffmember")})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def roster_files(folder: Path) -> list[Path]:
    """The roster files dropped in ``folder`` (not its subfolders), newest first. Hidden files
    (an HR system's partial writes, editors' lock files such as ``~$roster.xlsx``) are left."""
    files = [
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in ROSTER_SUFFIXES
        and not path.name.startswith((".", "~$"))
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def _archive(path: Path, folder: Path, stamp: str) -> Path:
    archive = folder / ARCHIVE
    archive.mkdir(exist_ok=True)
    target = archive / f"{path.stem}-{stamp}{path.suffix}"
    number = 1
    while target.exists():
        number += 1
        target = archive / f"{path.stem}-{stamp}-{number}{path.suffix}"
    shutil.move(str(path), target)
    # The retention (``purge_archive``) counts from the archiving, not from the time the HR
    # system gave the file (a copy may keep an old one).
    os.utime(target)
    return target


def roster_sync_folder(
    *,
    municipality: Municipality,
    folder: Path,
    mode: str,
    allow_mass_leaving: bool = False,
) -> SyncReport:
    """Import the newest roster file of ``folder`` for ``municipality`` (the module's steps).

    Returns a report without a run when the folder holds no roster file. Raises
    ``RosterSyncBusy`` when another run of the municipality is under way."""
    if mode not in (RosterMode.WHOLE, RosterMode.CHANGES):
        raise ValueError(f"unknown roster mode {mode!r}")
    run = services.roster_sync_run_lock(
        municipality=municipality, mode=mode, stale_before=timezone.now() - stale_after()
    )
    try:
        return _sync(run, folder, allow_mass_leaving=allow_mass_leaving)
    finally:
        # Whatever went wrong (a full disk, a crash in the mail server), the lock is let go.
        services.roster_sync_run_release(run=run)


def _sync(run: RosterSyncRun, folder: Path, *, allow_mass_leaving: bool) -> SyncReport:
    files = roster_files(folder)
    if not files:
        services.roster_sync_run_discard(run=run)
        return SyncReport(run=None, text=_("取り込むファイルはありません。"))
    path, older = files[0], files[1:]
    services.roster_sync_run_pick_file(run=run, file_name=path.name, sha256=_sha256(path))
    municipality = run.municipality
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    superseded = [_archive(old, folder, stamp).name for old in older]

    outcome = None
    failure = None
    earlier = (
        RosterSyncRun.objects.filter(
            municipality=municipality,
            sha256=run.sha256,
            status=RosterSyncRun.Status.IMPORTED,
        )
        .exclude(pk=run.pk)
        .first()
    )
    if earlier is None:
        try:
            with path.open("rb") as handle:
                dataset = read_dataset(handle)
        except ImportFileError as exc:
            failure = str(exc)
        else:
            with transaction.atomic():
                # The operator who runs commands on the server acts for the whole installation.
                outcome = roster_import(
                    municipality=municipality,
                    dataset=dataset,
                    dry_run=False,
                    scope=NATION,
                    mode=run.mode,
                    allow_mass_leaving=allow_mass_leaving,
                )
                _finish(run, outcome, failure)
        if outcome is None:
            _finish(run, None, failure)
    else:
        services.roster_sync_run_skip(
            run=run,
            result=_("%(date)s に取り込んだファイルと同じ内容のため、取り込みませんでした。")
            % {"date": timezone.localtime(earlier.started_at).strftime("%Y-%m-%d %H:%M")},
        )

    # After the commit: the file leaves the folder, the result is written, the office is told.
    archived = _archive(path, folder, stamp)
    services.roster_sync_run_archived(run=run, archived_as=archived.name)
    text = result_text(run, outcome, failure=failure, superseded=superseded)
    results = folder / RESULTS
    results.mkdir(exist_ok=True)
    (results / f"{archived.name}.txt").write_text(text, encoding="utf-8")
    (results / f"{archived.name}.json").write_text(
        json.dumps(
            result_data(run, outcome, failure=failure, superseded=superseded),
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    if run.status != RosterSyncRun.Status.SKIPPED:
        to = recipients(municipality)
        subject = _("【職員名簿の自動取り込み】%(name)s：%(status)s（%(file)s）") % {
            "name": municipality.name,
            "status": run.get_status_display(),
            "file": run.file_name,
        }
        if not to:
            text += _("（通知先のメールアドレスがないため、メールは送っていません）") + "\n"
        else:
            try:
                send_mail(subject, text, None, to)
            except Exception:
                # The import is committed and its result written: a mail server that is down
                # must not make the run look failed. Cron mails the command's output instead.
                logger.exception("roster sync mail for %s failed", municipality.code)
                text += _("（通知メールを送れませんでした。結果ファイルを確認してください）") + "\n"
    return SyncReport(run=run, text=text, superseded=superseded)


def _refused_for_mass_leaving(outcome: ImportOutcome) -> bool:
    return bool(outcome.errors) and any(name == MASS_LEAVING for name, _l in outcome.confirmations)


def _finish(run: RosterSyncRun, outcome: ImportOutcome | None, failure: str | None) -> None:
    run.finished_at = timezone.now()
    if outcome is None:
        run.status = RosterSyncRun.Status.FAILED
        run.error_count = 1
    else:
        run.total_rows = outcome.total_rows
        run.new, run.updated, run.unchanged = outcome.new, outcome.updated, outcome.unchanged
        run.leaving = int(outcome.extra.get("leaving", 0)) if outcome.is_valid else 0
        run.error_count = len(outcome.errors)
        if outcome.is_valid:
            run.status = RosterSyncRun.Status.IMPORTED
        elif _refused_for_mass_leaving(outcome):
            run.status = RosterSyncRun.Status.REFUSED
        else:
            run.status = RosterSyncRun.Status.FAILED
    # The stored details are the summary and the errors; the names of leavers stay in the
    # result file only (purged with it, ``purge_archive``).
    run.result = "\n".join(_summary_lines(run, outcome, failure, details=False))
    services.roster_sync_run_finish(run=run)


MODE_LABELS = {
    RosterMode.WHOLE: "全員分（--whole-roster：名簿にいない在職者を退職・異動にする）",
    RosterMode.CHANGES: "差分のみ（--changes-only：名簿にいる人だけ更新する）",
}


def _error_line(error) -> str:
    return _("%(row)s 行目 %(column)s：%(message)s") % {
        "row": error.row,
        "column": error.column,
        "message": error.message,
    }


def _summary_lines(run, outcome, failure, *, details: bool) -> list[str]:
    lines = [
        _("結果：%(status)s") % {"status": run.get_status_display()},
        _("取り込み方法：%(mode)s") % {"mode": MODE_LABELS.get(run.mode, run.mode)},
    ]
    if run.status == RosterSyncRun.Status.IMPORTED:
        lines.append(_("名簿を取り込みました。"))
    elif run.status in (RosterSyncRun.Status.FAILED, RosterSyncRun.Status.REFUSED):
        lines.append(_("エラーがあるため、名簿は何も変更していません。"))
    if run.status == RosterSyncRun.Status.REFUSED:
        lines.append(
            _(
                "在職者の %(share)s%% を超える人を「退職・異動」にする内容のため取り込みを"
                "中止しました。ファイルが全員分の名簿か確かめてください。一部の人だけのファイル"
                "なら --changes-only で、本当に全員分なら --allow-mass-leaving を付けて"
                "実行してください。"
            )
            % {"share": f"{float(getattr(settings, 'ROSTER_MAX_LEAVING_SHARE', 0.2)) * 100:.0f}"}
        )
    if failure:
        lines.append(_("ファイルを読めません：%(message)s") % {"message": failure})
    if outcome is not None:
        figures = ", ".join(f"{label}: {value}" for label, value in outcome.totals())
        lines.append(_("件数：%(figures)s") % {"figures": figures})
        for warning in outcome.warnings:
            lines.append(_("注意：") + warning)
        if details:
            for heading, entries in outcome.details:
                lines.append(heading)
                lines += ["  " + entry for entry in entries]
        if outcome.errors:
            lines.append(_("エラー（%(count)s 件）：") % {"count": len(outcome.errors)})
            lines += ["  " + _error_line(error) for error in outcome.errors]
    return lines


def result_text(run, outcome, *, failure=None, superseded=()) -> str:
    """The result file (and the mail): the file, the outcome, every warning and error."""
    municipality = run.municipality
    lines = [
        _("職員名簿の自動取り込み：%(name)s（%(code)s）")
        % {"name": municipality.name, "code": municipality.code},
        _("ファイル：%(file)s（SHA-256 %(sha)s）") % {"file": run.file_name, "sha": run.sha256},
        _("保管先：%(dir)s/%(file)s") % {"dir": ARCHIVE, "file": run.archived_as},
        _("開始：%(start)s　終了：%(end)s")
        % {
            "start": timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S"),
            "end": timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M:%S")
            if run.finished_at
            else "-",
        },
    ]
    if run.status == RosterSyncRun.Status.SKIPPED:
        lines += [_("結果：%(status)s") % {"status": run.get_status_display()}, run.result]
    else:
        lines += _summary_lines(run, outcome, failure, details=True)
    if superseded:
        lines.append(
            _("より新しいファイルがあったため取り込まずに保管したファイル：%(files)s")
            % {"files": "、".join(superseded)}
        )
    return "\n".join(lines) + "\n"


def result_data(run, outcome, *, failure=None, superseded=()) -> dict:
    """The result file for programs (the HR system's side): the same facts as ``result_text``."""
    data = {
        "municipality": run.municipality.code,
        "file": run.file_name,
        "archived_as": run.archived_as,
        "sha256": run.sha256,
        "mode": run.mode,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": {
            "rows": run.total_rows,
            "new": run.new,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "leaving": run.leaving,
            "errors": run.error_count,
        },
        "warnings": list(outcome.warnings) if outcome else [],
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message}
            for e in (outcome.errors if outcome else [])
        ],
        "superseded": list(superseded),
    }
    if failure:
        data["errors"].append({"row": None, "column": None, "message": failure})
    if run.status == RosterSyncRun.Status.SKIPPED:
        data["message"] = run.result
    return data


def purge_archive(*, municipality: Municipality, folder: Path, keep_days: int) -> int:
    """Delete the archived files and results of ``folder`` older than ``keep_days`` days and
    clear the stored details of the municipality's runs that old (their counts stay).
    Returns the number of files deleted."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    deleted = 0
    for sub in (ARCHIVE, RESULTS):
        directory = folder / sub
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                # Another municipality's run on the same folder may have deleted it just now.
                path.unlink(missing_ok=True)
                deleted += 1
    services.roster_sync_runs_clear_details(municipality=municipality, before=cutoff)
    return deleted
