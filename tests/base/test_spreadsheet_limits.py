"""Reading a spreadsheet is bounded whatever the file declares: a small XLSX that claims (or
holds) a huge sheet is refused with a Japanese message, without using much memory."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from base.imports import ImportFileError, read_dataset

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="名簿" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
</Relationships>"""


def cell(ref: str, value) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(number: int, cells: list[tuple[str, object]]) -> str:
    return f'<row r="{number}">' + "".join(cell(f"{c}{number}", v) for c, v in cells) + "</row>"


def xlsx(rows: list[str], *, dimension="A1:XFD1048576", padding: int = 0) -> bytes:
    """An XLSX built by hand: the sheet's <dimension> says what we like, and ``padding``
    bytes of whitespace inflate the sheet (they compress to almost nothing)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>' + "".join(rows) + "</sheetData>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            handle.write(sheet.encode())
            chunk = b" " * (1024 * 1024)
            for _i in range(padding // len(chunk)):
                handle.write(chunk)
            handle.write(b"</worksheet>")
    return buffer.getvalue()


ROSTER = [
    row(1, [("A", "職員番号"), ("B", "氏名"), ("C", "所属")]),
    row(2, [("A", 1001), ("B", "大阪 花子"), ("C", "福祉局")]),
    row(3, [("A", 1002), ("B", "大阪 太郎"), ("C", "市民局")]),
]


def read_measured(content: bytes, **kwargs):
    """``read_dataset`` of ``content``, with the peak of memory it allocated (bytes)."""
    tracemalloc.start()
    try:
        try:
            result = read_dataset(
                SimpleUploadedFile("roster.xlsx", content), max_bytes=10_000_000, **kwargs
            )
        except ImportFileError as exc:
            result = exc
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_a_declared_huge_dimension_is_ignored_and_the_real_rows_read():
    content = xlsx(ROSTER)
    assert len(content) < 10_000
    dataset, peak = read_measured(content)
    assert not isinstance(dataset, ImportFileError)
    assert dataset.headers == ["職員番号", "氏名", "所属"]
    assert [list(r) for r in dataset] == [
        [1001, "大阪 花子", "福祉局"],
        [1002, "大阪 太郎", "市民局"],
    ]
    # openpyxl padded each row to 16,384 cells of the declared A1:XFD1048576 before.
    assert peak < 10 * 1024 * 1024


def test_data_in_column_xfd_is_refused_as_too_many_columns_without_memory_blow_up():
    rows = [*ROSTER, *(row(n, [("A", n), ("XFD", "x")]) for n in range(4, 2000))]
    started = time.monotonic()
    error, peak = read_measured(xlsx(rows))
    assert isinstance(error, ImportFileError)
    assert "列が多すぎます（上限 100 列）" in str(error)
    assert peak < 20 * 1024 * 1024
    assert time.monotonic() - started < 10


def test_a_cell_in_the_last_row_is_refused_as_too_many_rows(settings):
    settings.IMPORT_MAX_ROWS = 1000
    rows = [*ROSTER, row(300_000, [("A", 1), ("B", "x"), ("C", "y")])]
    error, peak = read_measured(xlsx(rows))
    assert isinstance(error, ImportFileError)
    assert "行が多すぎます（上限 1,000 行）" in str(error)
    assert peak < 20 * 1024 * 1024


def test_trailing_empty_rows_do_not_count_against_the_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [*ROSTER, *(f'<row r="{n}"/>' for n in range(4, 5000))]
    dataset, _peak = read_measured(xlsx(rows))
    assert len(dataset) == 2


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 10
    rows = [ROSTER[0], *(row(n, [("A", n), ("B", "x"), ("C", "y")]) for n in range(2, 13))]
    error, _peak = read_measured(xlsx(rows))
    assert "行が多すぎます（上限 10 行）" in str(error)
    # Exactly the limit is fine.
    dataset, _peak = read_measured(xlsx(rows[:11]))
    assert len(dataset) == 10


def test_more_cells_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_CELLS = 50
    columns = [chr(ord("A") + i) for i in range(10)]
    rows = [row(n, [(c, f"v{n}") for c in columns]) for n in range(1, 7)]
    error, _peak = read_measured(xlsx(rows))
    assert "セルが多すぎます（上限 50 セル）" in str(error)


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_parsing(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 4 * 1024 * 1024
    content = xlsx(ROSTER, padding=8 * 1024 * 1024)
    assert len(content) < 100_000
    error, peak = read_measured(content)
    assert isinstance(error, ImportFileError)
    assert "展開後の上限 4 MB" in str(error)
    assert peak < 2 * 1024 * 1024


def test_csv_is_bounded_too(settings):
    settings.IMPORT_MAX_COLUMNS = 5
    text = "職員番号,氏名,所属\n1001,大阪 花子,福祉局" + "," * 10 + "x\n"
    with pytest.raises(ImportFileError, match="列が多すぎます"):
        read_dataset(SimpleUploadedFile("r.csv", text.encode()), max_bytes=10_000)


def test_cells_right_of_the_headers_are_reported_not_dropped_silently():
    text = "職員番号,氏名,所属\n1001,大阪 花子,福祉局,在職\n"
    dataset = read_dataset(SimpleUploadedFile("r.csv", text.encode()), max_bytes=10_000)
    assert dataset.read_warnings == [
        "見出しのない列（D 列）にデータがあります。この列は取り込みません。"
    ]


@pytest.mark.django_db
def test_the_admin_refuses_the_crafted_file_with_a_400_and_a_japanese_message(client):
    from django.contrib.auth.models import Group, Permission
    from django.urls import reverse

    from organizations.models import AdminScope, StaffMember
    from tests import factories

    osaka = factories.municipality("271004", "大阪市")
    user = factories.user(is_staff=True)
    group, _created = Group.objects.get_or_create(name="自治体管理者")
    for codename in ("access_admin", "add_staffmember", "view_staffmember"):
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    AdminScope.objects.create(user=user, level="municipality", municipality=osaka)
    client.force_login(user)
    rows = [*ROSTER, *(row(n, [("A", n), ("XFD", "x")]) for n in range(4, 200))]
    response = client.post(
        reverse("staff_roster_import"),
        {
            "municipality": osaka.pk,
            "mode": "whole",
            "file": SimpleUploadedFile("roster.xlsx", xlsx(rows)),
        },
    )
    assert response.status_code == 400
    assert "列が多すぎます" in response.content.decode()
    assert not StaffMember.objects.exists()


def test_a_sheet_whose_only_data_row_is_the_last_one_is_refused_quickly():
    content = xlsx([*ROSTER, row(1_048_576, [("A", 1), ("B", "x"), ("C", "y")])])
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="行が多すぎます"):
        read_dataset(SimpleUploadedFile("r.xlsx", content), max_bytes=10_000_000)
    assert time.monotonic() - started < 5
