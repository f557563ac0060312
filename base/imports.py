"""Spreadsheet imports, shared by every import of the project (staff rosters, session reports,
KPI targets): reading the file, running a django-import-export ``Resource`` all-or-nothing,
and the Wagtail admin screen (upload → preview with per-row errors → confirm → done).

How to add an import
--------------------
1. Write a ``Resource`` (``<app>/resources.py``) that subclasses ``SpreadsheetResource`` and
   names its columns in Japanese (``Field(column_name="職員番号")``); list accepted header
   variants in ``header_aliases`` and the columns that must be present in ``required_columns``.
   Raise ``ValidationError({"field_name": message})`` from ``before_import_row`` or
   ``import_instance`` for row problems: they are reported with the column's header.
2. Run it with ``run_import(resource, read_dataset(file, max_bytes=...), dry_run=...)``: one
   transaction, nothing written when any row is invalid. A management command passes the
   result to ``print_outcome`` and exits with ``outcome.exit_status``.
3. For the admin, subclass ``ImportView`` (set ``resource_class``, ``page_title``,
   ``url_name``, ``template_filename``; override ``check_permission``,
   ``get_extra_fields`` and ``get_resource_kwargs``) and register its URLs with
   ``ImportView.urls()`` from a ``register_admin_urls`` hook.
"""

import contextlib
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from import_export import resources
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import Result, RowResult
from import_export.tmp_storages import MediaStorage
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .bulk import BATCH_SIZE, insert_instances

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Tried in this order: strict UTF-8 first (a Shift_JIS file is almost never valid UTF-8).
TEXT_ENCODINGS = ("utf-8-sig", "cp932")
XLSX_MAGIC = b"PK\x03\x04"
# How many rows the preview table shows (errors are always all listed).
PREVIEW_ROWS = 200
# The storage django-import-export's ``MediaStorage`` keeps pending uploads in (settings:
# private, on disk outside MEDIA_ROOT or in the private bucket).
PENDING_STORAGE = "import_export"
SIGNING_SALT = "base.imports"
TOKEN_MAX_AGE = 60 * 60


class ImportFileError(Exception):
    """The file cannot be imported at all (too large, unreadable, empty): a message for people."""


def max_import_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _format_megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _read_bytes(uploaded_file, max_bytes: int) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise ImportFileError(_too_large(max_bytes))
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    content = uploaded_file.read(max_bytes + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > max_bytes:
        raise ImportFileError(_too_large(max_bytes))
    return content


def _too_large(max_bytes: int) -> str:
    return _("ファイルが大きすぎます（上限 %(size)s MB）。ファイルを分けて取り込んでください。") % {
        "size": _format_megabytes(max_bytes)
    }


def _clean_cell(value):
    if isinstance(value, str):
        value = value.strip()
        return value
    return value


def _is_empty(row) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in row)


@dataclass(frozen=True)
class ReadLimits:
    """How much of a spreadsheet is read, whatever the file declares (settings ``IMPORT_MAX_*``).

    Rows count the data rows (not the header); cells count every cell of the table once rows
    are padded to the header's width, which is what the import holds in memory."""

    rows: int
    columns: int
    cells: int
    uncompressed_bytes: int

    @classmethod
    def from_settings(cls) -> "ReadLimits":
        return cls(
            rows=int(getattr(settings, "IMPORT_MAX_ROWS", 100_000)),
            columns=int(getattr(settings, "IMPORT_MAX_COLUMNS", 100)),
            cells=int(getattr(settings, "IMPORT_MAX_CELLS", 1_000_000)),
            uncompressed_bytes=int(
                getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
            ),
        )


def _too_many_rows(limits: ReadLimits) -> ImportFileError:
    return ImportFileError(
        _("行が多すぎます（上限 %(rows)s 行）。ファイルを分けて取り込んでください。")
        % {"rows": f"{limits.rows:,}"}
    )


def _trimmed(row) -> list:
    """The row without its trailing empty cells (Excel writes formatted empty cells)."""
    row = list(row)
    while row and (row[-1] is None or (isinstance(row[-1], str) and not row[-1].strip())):
        row.pop()
    return row


def _bounded_rows(source, limits: ReadLimits) -> list[list]:
    """The rows of ``source`` (an iterable of rows) up to the last one holding data, refused
    as soon as they exceed ``limits``: nothing beyond the limits is ever held in memory.
    Empty rows are kept only when data follows them (their place gives row numbers)."""
    rows: list[list] = []
    pending_empty = 0
    cells = 0
    for row in source:
        # openpyxl yields the gaps of a sparse sheet as empty rows: the cheap test first.
        row = _trimmed(row) if row else row
        if not row:
            # Only counted: trailing empty rows (however many) are never stored.
            pending_empty += 1
            continue
        if len(row) > limits.columns:
            raise ImportFileError(
                _("列が多すぎます（上限 %(columns)s 列）。使わない列を消して保存し直してください。")
                % {"columns": f"{limits.columns:,}"}
            )
        if pending_empty:
            if len(rows) + pending_empty >= limits.rows + 1:
                raise _too_many_rows(limits)
            rows.extend([] for _i in range(pending_empty))
            pending_empty = 0
        rows.append(row)
        if len(rows) > limits.rows + 1:
            raise _too_many_rows(limits)
        cells += len(row)
        if cells > limits.cells:
            raise _too_many_cells(limits)
    width = max((len(r) for r in rows[:1]), default=0)
    if len(rows) * max(width, 1) > limits.cells:
        raise _too_many_cells(limits)
    return rows


def _too_many_cells(limits: ReadLimits) -> ImportFileError:
    return ImportFileError(
        _("セルが多すぎます（上限 %(cells)s セル）。ファイルを分けて取り込んでください。")
        % {"cells": f"{limits.cells:,}"}
    )


def _unpacked_size(content: bytes) -> int:
    """What the XLSX (a zip) unpacks to, by its directory. Python's zipfile never inflates a
    member beyond the size its directory declares, so this bounds what openpyxl can read."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(
            _("Excel ファイルを読み込めませんでした。xlsx 形式で保存し直してください。")
        ) from exc


def _dataset_from_xlsx(content: bytes, limits: ReadLimits) -> tablib.Dataset:
    if _unpacked_size(content) > limits.uncompressed_bytes:
        raise ImportFileError(
            _(
                "Excel ファイルの中身が大きすぎます（展開後の上限 %(size)s MB）。"
                "ファイルを分けて取り込んでください。"
            )
            % {"size": _format_megabytes(limits.uncompressed_bytes)}
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(
            _("Excel ファイルを読み込めませんでした。xlsx 形式で保存し直してください。")
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        # The sheet's <dimension> is only a claim: with it, openpyxl pads every row to the
        # declared width (A1:XFD1048576 makes each row 16,384 cells). Without it, each row
        # holds the cells the file really has.
        sheet.reset_dimensions()
        rows = _bounded_rows(sheet.iter_rows(values_only=True), limits)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            _("Excel ファイルを読み込めませんでした。xlsx 形式で保存し直してください。")
        ) from exc
    finally:
        workbook.close()
    return _dataset_from_rows(rows)


def _dataset_from_text(content: bytes, limits: ReadLimits) -> tablib.Dataset:
    for encoding in TEXT_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            _("文字コードを判別できませんでした。UTF-8 か Shift_JIS の CSV で保存してください。")
        )
    if "\x00" in text:
        raise ImportFileError(_("CSV ファイルとして読み込めませんでした。"))
    try:
        rows = _bounded_rows(csv.reader(io.StringIO(text, newline="")), limits)
    except csv.Error as exc:
        raise ImportFileError(_("CSV ファイルとして読み込めませんでした。")) from exc
    return _dataset_from_rows(rows)


def _dataset_from_rows(rows: list[list]) -> tablib.Dataset:
    # Excel leaves formatted but empty rows (and columns) after the data.
    while rows and _is_empty(rows[-1]):
        rows.pop()
    if not rows or _is_empty(rows[0]):
        raise ImportFileError(
            _("ファイルが空です。1 行目に見出し、2 行目からデータを入れてください。")
        )
    headers = [str(_clean_cell(h) or "").strip() for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    if not any(headers):
        raise ImportFileError(_("1 行目に見出しがありません。"))
    if len(rows) < 2:
        raise ImportFileError(_("データの行がありません（見出しの行だけです）。"))
    dataset = tablib.Dataset(headers=headers)
    # Cells right of the last header are not imported: say so instead of dropping them.
    beyond = set()
    for row in rows[1:]:
        if len(row) > width and not _is_empty(row[width:]):
            beyond.update(i + 1 for i, v in enumerate(row) if i >= width and not _is_empty([v]))
        row = [_clean_cell(value) for value in row[:width]]
        row += [None] * (width - len(row))
        dataset.append(row)
    dataset.read_warnings = []
    if beyond:
        dataset.read_warnings.append(
            _("見出しのない列（%(columns)s 列）にデータがあります。この列は取り込みません。")
            % {"columns": "、".join(get_column_letter(i) for i in sorted(beyond))}
        )
    # Headerless columns inside the header row are not imported either.
    unnamed = [i + 1 for i, h in enumerate(headers) if not h]
    if unnamed:
        dataset.read_warnings.append(
            _("見出しが空の列（%(columns)s 列）は取り込みません。")
            % {"columns": "、".join(get_column_letter(i) for i in unnamed)}
        )
    return dataset


def read_dataset(
    uploaded_file, *, max_bytes: int | None = None, limits: ReadLimits | None = None
) -> tablib.Dataset:
    """Read a CSV (UTF-8 with or without BOM, Shift_JIS/CP932) or XLSX upload into a Dataset.

    The first row holds the headers; trailing empty rows are dropped and cells are stripped.
    Raises ``ImportFileError`` (a Japanese message) for files too large (in bytes, unpacked
    bytes, rows, columns or cells: ``ReadLimits``), unreadable or empty. What the file holds
    but the import will not read (cells right of the headers) is listed, in Japanese, in the
    dataset's ``read_warnings``.
    """
    max_bytes = max_import_bytes() if max_bytes is None else max_bytes
    limits = ReadLimits.from_settings() if limits is None else limits
    content = _read_bytes(uploaded_file, max_bytes)
    if not content.strip():
        raise ImportFileError(_("ファイルが空です。"))
    if content.startswith(XLSX_MAGIC):
        return _dataset_from_xlsx(content, limits)
    name = getattr(uploaded_file, "name", "") or ""
    if name.lower().endswith((".xls", ".xlsm", ".ods")):
        raise ImportFileError(_("xlsx 形式か CSV 形式で保存し直してください。"))
    return _dataset_from_text(content, limits)


# Brackets of any width (after NFKC) and what they hold, and required marks: notes added to a
# header (「（人）」, 「（公用）」, 「※必須」, 「*」), not part of its name.
_HEADER_WRAPPED = re.compile(r"[(\[【〔<「『]([^)\]】〕>」』]*)[)\]】〕>」』]")
_HEADER_NOTES = re.compile(r"[(\[【〔<「『][^)\]】〕>」』]*[)\]】〕>」』]|※.*$|[*＊]")


def header_key(text, *, strip_notes: bool = False) -> str:
    """A header as compared: NFKC (全角/半角 folded), lower case, no spaces; with
    ``strip_notes``, without bracketed notes and required marks."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    if strip_notes:
        # 「[職員番号]」: a header wrapped whole in brackets is that header.
        wrapped = _HEADER_WRAPPED.fullmatch(text.strip())
        if wrapped:
            text = wrapped.group(1)
        text = _HEADER_NOTES.sub("", text)
    return "".join(text.split())


def normalise_code(value) -> str:
    """A code typed by people or stored by Excel: full-width digits and spaces folded
    (NFKC), spaces removed, a float such as 1234.0 written back as 1234."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(text.split())
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def normalise_text(value) -> str:
    """Free text from a cell: full-width spaces folded and runs of spaces made one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\u3000", " ").split())


@dataclass(frozen=True)
class RowError:
    """One problem of one row, as the user sees it in the spreadsheet (the header is row 1)."""

    row: int
    column: str
    message: str

    def __str__(self):
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportOutcome:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    total_rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Figures the resource adds (e.g. {"leaving": 3}), labelled by ``extra_labels``.
    extra: dict = field(default_factory=dict)
    extra_labels: dict = field(default_factory=dict)
    # The first rows, for the preview: (row number, import type, [values]) under these headers.
    preview: list = field(default_factory=list)
    preview_headers: list = field(default_factory=list)
    # What the user should know before confirming (columns not imported, numbers matched only
    # after normalisation...), in Japanese; shown prominently in the preview.
    warnings: list[str] = field(default_factory=list)
    # Checkboxes the user must tick to confirm: [(name, label)]. The resource refuses to
    # write without them (``SpreadsheetResource.require_confirmation``).
    confirmations: list[tuple[str, str]] = field(default_factory=list)
    # Detail blocks of the preview: [(heading, [lines])], e.g. the people who would leave.
    details: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def exit_status(self) -> int:
        return 0 if self.is_valid else 1

    @property
    def written(self) -> bool:
        return self.is_valid and not self.dry_run

    def totals(self) -> list[tuple[str, int]]:
        """The figures to show, labelled in Japanese."""
        figures = [
            (_("行数"), self.total_rows),
            (_("新規"), self.new),
            (_("更新"), self.updated),
            (_("変更なし"), self.unchanged),
        ]
        if self.deleted:
            figures.append((_("削除"), self.deleted))
        figures += [(str(self.extra_labels.get(k, k)), v) for k, v in self.extra.items()]
        figures.append((_("エラーのある行"), len({e.row for e in self.errors})))
        return figures


class ImportResult(Result):
    """django-import-export's ``Result`` holding the row results the preview shows (the first
    ``PREVIEW_ROWS``) instead of one per row of the file, with each row's cells: a 50,000-row
    roster kept them all until the end. Errors are still kept for every row."""

    def append_row_result(self, row_result):
        if len(self.rows) < PREVIEW_ROWS:
            self.rows.append(row_result)

    def row_errors(self):
        # ``Result.row_errors`` numbers the rows by their place in ``rows``, which no longer
        # holds every row; ``error_rows`` has their real numbers.
        return [(row.number, row.errors) for row in self.error_rows]


class ImportRowResult(RowResult):
    """A row's result without the instance's ``str()``, which nothing here shows (the preview
    shows the cells) and which costs a ``__str__`` per row."""

    def add_instance_info(self, instance):
        self.object_id = getattr(instance, "pk", None)


class ScopedInstanceLoader(ModelInstanceLoader):
    """Loads every existing instance the resource may touch in one query (its ``get_queryset``,
    which the resource narrows to its scope), keyed by the single import id field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        key = self.resource.fields[self.resource.get_import_id_fields()[0]]
        self.key_field = key
        self.instances = {
            str(getattr(instance, key.attribute)): instance
            for instance in self.resource.get_queryset()
        }

    def get_instance(self, row):
        return self.instances.get(str(self.key_field.clean(row) or ""))


class SpreadsheetResource(resources.ModelResource):
    """A ``ModelResource`` for files people make by hand or export from other systems.

    - ``header_aliases``: ``{canonical column_name: ["別名", ...]}``; headers are matched after
      NFKC normalisation and removal of spaces, so 「メール アドレス」 matches 「メールアドレス」.
    - ``required_columns``: canonical headers that must be present.
    - ``extra_labels``: labels of the figures the resource puts in ``self.extra``.
    """

    header_aliases: dict[str, list[str]] = {}
    required_columns: list[str] = []
    extra_labels: dict = {}

    def __init__(self, *, confirmed=(), **kwargs):
        super().__init__()
        self.extra = {}
        # Names of the confirmations the user ticked (the admin's confirm step, a command's
        # flag); what this import asked for, and what to show in the preview.
        self.confirmed = frozenset(confirmed)
        self.confirmations: list[tuple[str, str]] = []
        self.warnings: list[str] = []
        self.details: list[tuple[str, list[str]]] = []

    def require_confirmation(self, name: str, label: str, *, dry_run: bool) -> None:
        """Ask for the confirmation ``name`` (its checkbox reads ``label``). A dry run lists
        it for the preview; a real import without it raises ``ValidationError``, which
        rolls the whole import back."""
        if (name, label) not in self.confirmations:
            self.confirmations.append((name, label))
        if not dry_run and name not in self.confirmed:
            raise ValidationError(
                _("確認が必要です：%(label)s（確認画面でチェックしてから取り込んでください）")
                % {"label": label}
            )

    class Meta:
        abstract = True
        instance_loader_class = ScopedInstanceLoader
        skip_diff = True
        use_transactions = True
        store_row_values = True

    def get_result_class(self):
        return ImportResult

    def get_row_result_class(self):
        return ImportRowResult

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Insert the batch of new rows with ``base.bulk.insert_instances``: Django's
        ``bulk_create`` compiles every value of every row into SQL in Python."""
        if self.create_instances and (using_transactions or not dry_run):
            try:
                # A savepoint: the error is reported as django-import-export does, and the
                # import's own transaction stays usable to roll back at the end.
                with transaction.atomic():
                    insert_instances(self.create_instances, batch_size=batch_size or BATCH_SIZE)
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    @classmethod
    def template_headers(cls) -> list[str]:
        """The header row of the downloadable template."""
        return [f.column_name for f in cls().get_import_fields()]

    def column_label(self, key: str) -> str:
        """The header shown for an error keyed by a field name (or a header)."""
        if key == NON_FIELD_ERRORS:
            return _("（行全体）")
        field_ = self.fields.get(key)
        return field_.column_name if field_ is not None else key

    def canonical_header(self, header: str) -> str | None:
        """The column ``header`` names, or ``None`` when the import does not use it.

        Headers are compared after NFKC (全角/半角), lower case and without spaces; a header
        that is not known as written is tried again without its brackets and required
        marks, so 「一般（人）」, 「メールアドレス（公用）」 and 「氏名 ※必須」 are found.
        Brackets that change the meaning (「氏名（カナ）」) are listed as aliases and win."""
        lookup = self._header_lookup()
        found = lookup.get(header_key(header))
        if found is None:
            found = lookup.get(header_key(header, strip_notes=True))
        return found

    def _header_lookup(self) -> dict[str, str]:
        lookup = getattr(self, "_lookup", None)
        if lookup is None:
            lookup = {}
            for f in self.fields.values():
                lookup[header_key(f.column_name)] = f.column_name
            for canonical, aliases in self.header_aliases.items():
                for alias in aliases:
                    lookup[header_key(alias)] = canonical
            self._lookup = lookup
        return lookup

    def unused_columns_warning(self, dataset: tablib.Dataset) -> list[str]:
        """A warning naming every column of the file that the import does not read."""
        known = set(self._header_lookup().values())
        unused = [h for h in dataset.headers if h and h not in known]
        if not unused:
            return []
        return [
            _("次の列は取り込みません（見出しが分かりません）：%(columns)s")
            % {"columns": "、".join(f"「{h}」" for h in unused)}
        ]

    def normalise_headers(self, dataset: tablib.Dataset) -> list[RowError]:
        """Rename accepted header variants to the canonical ones; report missing and twice
        given columns (as errors of row 1)."""
        lookup = self._header_lookup()
        headers = [self.canonical_header(h) or h for h in dataset.headers]
        errors = []
        for header, count in Counter(h for h in headers if h).items():
            if count > 1 and header in lookup.values():
                errors.append(RowError(1, header, _("同じ列が 2 回以上あります。")))
        for required in self.required_columns:
            if required not in headers:
                errors.append(RowError(1, required, _("この列がありません。")))
        dataset.headers = headers
        return errors


def _row_errors_from(resource, result) -> list[RowError]:
    errors = []
    for error in result.base_errors:
        exc = error.error
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        errors.append(RowError(1, _("（ファイル全体）"), message))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            exc = error.error
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append(RowError(number + 1, _("（行全体）"), message))
    for invalid in result.invalid_rows:
        for key, messages_ in invalid.error_dict.items():
            for message in messages_:
                errors.append(RowError(invalid.number + 1, resource.column_label(key), message))
    errors.sort(key=lambda e: (e.row, e.column))
    return errors


def run_import(resource, dataset: tablib.Dataset, *, dry_run: bool) -> ImportOutcome:
    """Import ``dataset`` with ``resource`` in one transaction: nothing is written when any
    row is invalid (or on a dry run). Row numbers in errors are spreadsheet rows (header = 1).
    """
    outcome = ImportOutcome(dry_run=dry_run, total_rows=len(dataset))
    outcome.extra_labels = dict(getattr(resource, "extra_labels", {}))
    outcome.warnings = list(getattr(dataset, "read_warnings", []))
    if hasattr(resource, "normalise_headers"):
        outcome.errors = resource.normalise_headers(dataset)
        outcome.warnings += resource.unused_columns_warning(dataset)
        if outcome.errors:
            return outcome
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        collect_failed_rows=False,
        rollback_on_validation_errors=True,
    )
    outcome.errors = _row_errors_from(resource, result)
    totals = result.totals
    outcome.new = totals.get(RowResult.IMPORT_TYPE_NEW, 0)
    outcome.updated = totals.get(RowResult.IMPORT_TYPE_UPDATE, 0)
    outcome.unchanged = totals.get(RowResult.IMPORT_TYPE_SKIP, 0)
    outcome.deleted = totals.get(RowResult.IMPORT_TYPE_DELETE, 0)
    outcome.extra = dict(getattr(resource, "extra", {}))
    outcome.warnings += list(getattr(resource, "warnings", []))
    outcome.confirmations = list(getattr(resource, "confirmations", []))
    outcome.details = list(getattr(resource, "details", []))
    headers = dataset.headers
    for number, row_result in enumerate(result.rows[:PREVIEW_ROWS], start=2):
        values = row_result.row_values or {}
        outcome.preview.append((number, row_result.import_type, [values.get(h) for h in headers]))
    outcome.preview_headers = headers
    return outcome


def print_outcome(outcome: ImportOutcome, stdout, stderr, style=None) -> None:
    """What an import command prints: the warnings and details, one line per row error, then
    the totals."""
    for warning in outcome.warnings:
        stderr.write(_("注意：") + warning)
    for heading, lines in outcome.details:
        stderr.write(heading)
        for line in lines:
            stderr.write("  " + line)
    for error in outcome.errors:
        stderr.write(str(error))
    figures = ", ".join(f"{label}: {value}" for label, value in outcome.totals())
    if outcome.errors:
        stderr.write(_("エラーがあるため、何も書き込みませんでした。") + f" ({figures})")
    elif outcome.dry_run:
        stdout.write(_("確認のみ（書き込みなし）") + f" ({figures})")
    else:
        stdout.write(_("取り込みました。") + f" ({figures})")


# --- Wagtail admin view ------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("ファイル（CSV または Excel）"),
        help_text=gettext_lazy(
            "1 行目に見出しを入れてください。CSV は UTF-8・Shift_JIS のどちらでも構いません。"
        ),
    )


class ImportView(WagtailAdminTemplateMixin, View):
    """Upload → dry-run preview (per-row errors) → confirm → done, for one ``Resource``.

    Subclasses set ``resource_class``, ``page_title``, ``url_name`` (URL names are
    ``<url_name>``, ``<url_name>_template``), ``template_filename``, and may override:

    - ``check_permission(request)``: raise ``PermissionDenied`` when the user may not import;
    - ``get_extra_fields(request)``: extra form fields (e.g. which municipality), a dict;
    - ``get_resource_kwargs(request, data)``: keyword arguments for the resource, built from
      the cleaned extra fields (``data``); raise ``PermissionDenied`` for data out of scope;
    - ``run(dataset, data, dry_run=...)``: to import through an app's service function;
    - ``get_success_url()``, ``help_text``.

    Between preview and confirmation the uploaded file waits in django-import-export's
    temporary storage (``IMPORT_EXPORT_TMP_STORAGE_CLASS``: ``MediaStorage`` on the
    ``import_export`` storage, private and shared by all web nodes), named in a signed token
    tied to the user; it is deleted once imported or cancelled, or an hour later
    (``TOKEN_MAX_AGE``) when abandoned.
    """

    resource_class = None
    page_title = ""
    header_icon = "upload"
    template_name = "wagtailadmin/imports/import.html"
    url_name = ""
    template_filename = "template"
    help_text = ""

    @classmethod
    def urls(cls, prefix: str):
        """URL patterns to return from a ``register_admin_urls`` hook."""
        return [
            path(f"{prefix}/", cls.as_view(), name=cls.url_name),
            path(
                f"{prefix}/template.<str:fmt>",
                cls.as_view(template_download=True),
                name=f"{cls.url_name}_template",
            ),
        ]

    template_download = False

    def check_permission(self, request) -> None:
        raise PermissionDenied

    def get_extra_fields(self, request) -> dict:
        return {}

    def get_resource_kwargs(self, request, data: dict) -> dict:
        return {}

    def get_success_url(self):
        return reverse(self.url_name)

    def get_form(self, data=None, files=None):
        form = UploadForm(data, files)
        for name, form_field in self.get_extra_fields(self.request).items():
            form.fields[name] = form_field
        form.fields["file"] = form.fields.pop("file")
        return form

    # Names of the confirmations ticked on the confirm step (empty for the preview).
    confirmed = frozenset()

    def get_resource(self, data: dict):
        return self.resource_class(
            **self.get_resource_kwargs(self.request, data), confirmed=self.confirmed
        )

    def run(self, dataset, data: dict, *, dry_run: bool) -> ImportOutcome:
        """Run the import; override to go through an app's service function instead."""
        return run_import(self.get_resource(data), dataset, dry_run=dry_run)

    def dispatch(self, request, *args, **kwargs):
        self.check_permission(request)
        if self.template_download:
            return self.download_template(kwargs["fmt"])
        return super().dispatch(request, *args, **kwargs)

    def download_template(self, fmt: str):
        dataset = tablib.Dataset(headers=self.resource_class.template_headers())
        if fmt == "xlsx":
            content = dataset.export("xlsx")
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            # A BOM so that Excel opens the UTF-8 file with the right characters.
            content = "\ufeff" + dataset.export("csv")
            content_type = "text/csv; charset=utf-8"
            fmt = "csv"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.template_filename}.{fmt}"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "template_csv_url": reverse(f"{self.url_name}_template", args=["csv"]),
                "template_xlsx_url": reverse(f"{self.url_name}_template", args=["xlsx"]),
                "headers": self.resource_class.template_headers(),
                "required_columns": self.resource_class.required_columns,
                "header_aliases": self.resource_class.header_aliases,
                "max_megabytes": _format_megabytes(max_import_bytes()),
                "help_text": self.help_text,
                "action_url": self.request.path,
            }
        )
        return context

    def render(self, status=200, **context):
        return self.render_to_response(self.get_context_data(**context), status=status)

    def get(self, request, *args, **kwargs):
        return self.render(form=self.get_form())

    def post(self, request, *args, **kwargs):
        if request.POST.get("token"):
            if request.POST.get("cancel"):
                return self.cancel(request.POST["token"])
            return self.confirm(request.POST["token"])
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            # 400: the request is refused as it stands (the page says why, in Japanese).
            return self.render(form=form, status=400)
        data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        upload = form.cleaned_data["file"]
        try:
            dataset = read_dataset(upload)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.render(form=form, status=400)
        outcome = self.run(dataset, data, dry_run=True)
        token = None
        if outcome.is_valid:
            token = self._store(upload, data, [name for name, _label in outcome.confirmations])
        return self.render(form=None, outcome=outcome, token=token, filename=upload.name)

    @staticmethod
    def pending_upload(name: str | None = None):
        """The temporary storage of one pending upload (a new one without ``name``):
        django-import-export's ``IMPORT_EXPORT_TMP_STORAGE_CLASS``, read as its admin reads it."""
        storage_class = getattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", MediaStorage)
        if isinstance(storage_class, str):
            storage_class = import_string(storage_class)
        # Files are read as bytes: read_dataset tells CSV from XLSX and decodes it itself.
        return storage_class(name=name, read_mode="rb")

    @classmethod
    def purge_abandoned(cls) -> None:
        """Delete uploads previewed but never confirmed (older than the confirmation window).

        ``MediaStorage`` keeps them in one folder of the ``import_export`` storage, which is
        listed; other temporary storages expire their files themselves (the cache) or are
        cleared with the machine's temporary files."""
        pending = cls.pending_upload()
        if not isinstance(pending, MediaStorage):
            return
        storage = storages[PENDING_STORAGE]
        folder = pending.MEDIA_FOLDER or ""
        cutoff = timezone.now() - dt.timedelta(seconds=TOKEN_MAX_AGE)
        try:
            _dirs, files = storage.listdir(folder)
            for name in files:
                path_ = f"{folder}/{name}" if folder else name
                if storage.get_modified_time(path_) < cutoff:
                    storage.delete(path_)
        except (FileNotFoundError, NotImplementedError, OSError):
            return

    def _store(self, upload, data: dict, confirmations: list[str]) -> str:
        self.purge_abandoned()
        upload.seek(0)
        # The upload has passed read_dataset's limits: it is at most IMPORT_MAX_BYTES.
        pending = self.pending_upload()
        pending.save(upload.read())
        payload = {
            "name": pending.name,
            "filename": upload.name,
            "user": self.request.user.pk,
            "data": {k: getattr(v, "pk", v) for k, v in data.items()},
            "confirmations": confirmations,
        }
        return signing.dumps(payload, salt=SIGNING_SALT)

    def _expired(self):
        messages.error(
            self.request, _("確認の期限が切れました。もう一度アップロードしてください。")
        )
        return redirect(self.get_success_url())

    def _payload(self, token: str) -> dict | None:
        """The signed payload of ``token``, when it is still valid and the user's own."""
        try:
            payload = signing.loads(token, salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            return None
        return payload if payload["user"] == self.request.user.pk else None

    def cancel(self, token: str):
        """Drop the pending upload ("やめる" on the preview)."""
        payload = self._payload(token)
        if payload is not None:
            self._remove(self.pending_upload(payload["name"]))
            messages.info(self.request, _("取り込みをやめました。ファイルは削除しました。"))
        return redirect(self.get_success_url())

    @staticmethod
    def _remove(pending) -> None:
        # Already gone (purged, or removed by another request with the same token).
        with contextlib.suppress(OSError):
            pending.remove()

    def confirm(self, token: str):
        payload = self._payload(token)
        if payload is None:
            return self._expired()
        pending = self.pending_upload(payload["name"])
        try:
            content = pending.read()
        except (FileNotFoundError, OSError):
            return self._expired()
        # Re-validate the stored choices against the form (and so against the user's scope).
        form = self.get_form(data=payload["data"], files={"file": _Placeholder()})
        if not form.is_valid():
            raise PermissionDenied
        data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        self.confirmed = frozenset(self.request.POST.getlist("confirm"))
        missing = [n for n in payload.get("confirmations", []) if n not in self.confirmed]
        try:
            dataset = read_dataset(ContentFile(content, name=payload["filename"]))
            if missing:
                # Back to the same preview (same file, same token), saying what to tick.
                outcome = self.run(dataset, data, dry_run=True)
                return self.render(
                    form=None,
                    outcome=outcome,
                    token=token,
                    filename=payload["filename"],
                    confirm_error=_("取り込む前に、下の確認の項目をすべてチェックしてください。"),
                )
            outcome = self.run(dataset, data, dry_run=False)
        except ImportFileError as exc:
            self._remove(pending)
            messages.error(self.request, str(exc))
            return redirect(self.get_success_url())
        # Imported, or refused now (no token is offered again): the upload is not needed.
        self._remove(pending)
        if not outcome.is_valid:
            return self.render(form=None, outcome=outcome, token=None, filename=payload["filename"])
        figures = "、".join(f"{label} {value}" for label, value in outcome.totals())
        messages.success(
            self.request,
            _("「%(file)s」を取り込みました（%(figures)s）。")
            % {"file": payload["filename"], "figures": figures},
        )
        return redirect(self.get_success_url())


class _Placeholder:
    """Stands for the already stored file when the form is validated again at confirmation."""

    name = "stored"
    size = 1

    def __bool__(self):
        return True
