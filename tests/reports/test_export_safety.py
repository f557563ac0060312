"""Formulas typed into names come out of every CSV export as text, numbers stay numbers, and the
XLSX opens as a titled report. Files are read back with Python's csv module and openpyxl."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command

from base.spreadsheets import csv_text, neutralise_cell
from tests import factories

MALICIOUS = [
    '=HYPERLINK("http://evil.example/","開く")',
    "+1+1",
    "@SUM(A1:A9)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "＝１＋１",
    "＋１",
    "－１",
    "＠SUM(A1)",
]


@pytest.mark.parametrize("text", MALICIOUS)
def test_every_formula_start_is_written_as_text(text):
    body = csv_text([[text, -5]], header=["名前", "数"]).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[1][0] == "'" + text
    # A spreadsheet starts a formula only on these characters; the apostrophe comes first now.
    assert not rows[1][0].startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"))
    # A genuine negative number in a numeric column is left as it is.
    assert rows[1][1] == "-5"


def test_ordinary_text_and_numbers_are_unchanged():
    assert neutralise_cell("大阪市 市民講座") == "大阪市 市民講座"
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None


@pytest.fixture
def reported_session(django_user_model):
    osaka = factories.municipality()
    course = factories.course(audience="citizen", lessons=1)
    factories.training_session(
        course,
        municipality=osaka,
        held_on=dt.date(2025, 5, 20),
        organiser=MALICIOUS[0],
        attendees_general=12,
    )
    return django_user_model.objects.create_superuser("national", password="pw-Secret-1")


def test_session_report_list_csv_neutralises_an_organiser_formula(client, reported_session):
    client.force_login(reported_session)
    response = client.get("/admin/trainingsession/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    organiser = rows[0].index("主催者名")
    assert rows[1][organiser] == "'" + MALICIOUS[0]
    assert rows[1][-1] == "12"


def test_session_report_list_xlsx_is_a_titled_report(client, reported_session):
    client.force_login(reported_session)
    response = client.get("/admin/trainingsession/?export=xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet.title == "開催報告"
    assert sheet["A1"].value == "開催報告"
    labels = [row[0] for row in sheet.iter_rows(min_row=2, max_row=4, values_only=True)]
    assert "作成日時" in labels
    header_row = next(
        i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if row[0] == "開催日"
    )
    data = [cell.value for cell in sheet[header_row + 1]]
    # The formula is stored as text, not as a formula, and the count as a number.
    assert MALICIOUS[0] in data and sheet[header_row + 1][-1].value == 12
    assert all(cell.data_type != "f" for cell in sheet[header_row + 1])
    assert sheet.column_dimensions["D"].width > 10


def test_kpi_report_csv_command_neutralises_area_names(db, capsys):
    osaka = factories.municipality(name="=1+1市")
    course = factories.course(audience="citizen", lessons=1)
    factories.completion(course, municipality=osaka, at=dt.datetime(2025, 5, 12, 1, tzinfo=dt.UTC))
    call_command("kpi_report", "--fiscal-year", "2025", "--format", "csv", "--prefecture", "27")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"), newline="")))
    names = [row[1] for row in rows[1:]]
    assert "'=1+1市" in names
