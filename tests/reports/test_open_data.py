"""The open data as other tools read it: Frictionless validates the CSV against its package."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from frictionless import Package

from reports.models import Channel
from tests import factories

pytestmark = pytest.mark.django_db
FY = 2025
FRICTIONLESS = str(Path(sys.executable).with_name("frictionless"))


@pytest.fixture
def published(client, tmp_path):
    """The CSV and datapackage.json of FY2025 as a visitor downloads them, side by side."""
    osaka = factories.municipality()
    sakai = factories.municipality(code="271403", name="堺市")
    course = factories.course(audience="citizen", lessons=1)
    for day in (3, 4, 5, 6):
        factories.completion(
            course, municipality=osaka, at=dt.datetime(2025, 5, day, 1, tzinfo=dt.UTC)
        )
    factories.completion(course, municipality=sakai, at=dt.datetime(2025, 6, 2, 1, tzinfo=dt.UTC))
    factories.training_session(
        course, municipality=osaka, held_on=dt.date(2025, 7, 1), attendees_general=12
    )
    for name in (f"supporters-{FY}.csv", f"supporters-{FY}.datapackage.json"):
        response = client.get(f"/opendata/{name}")
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        (tmp_path / name).write_bytes(response.content)
    return tmp_path


def test_frictionless_validates_the_table_against_its_description(published):
    descriptor = published / f"supporters-{FY}.datapackage.json"
    result = subprocess.run(
        [FRICTIONLESS, "validate", "--json", descriptor.name],
        cwd=published,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report, ensure_ascii=False)[:3000]
    assert result.returncode == 0
    # The CSV alone (no description) is read with its first row as the header too.
    alone = subprocess.run(
        [FRICTIONLESS, "validate", "--json", f"supporters-{FY}.csv"],
        cwd=published,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(alone.stdout)["valid"], alone.stdout[:3000]


def test_the_package_reads_as_typed_rows(published):
    package = Package(str(published / f"supporters-{FY}.datapackage.json"))
    rows = package.get_resource(f"supporters-{FY}").read_rows()
    by_area = {(row["municipality_code"], row["channel"]): row for row in rows}
    online = by_area[("271004", str(Channel.ONLINE.label))]
    # Codes keep their leading digits as text; counts are integers; months are months.
    assert online["supporters"] == 4 and online["fiscal_year"] == FY
    assert str(online["month"]).startswith("2025-05") or tuple(online["month"]) == (2025, 5)
    assert by_area[("271004", str(Channel.IN_PERSON.label))]["supporters"] == 12
    # 堺市's single online learner is not published on its own row.
    assert not any(code == "271403" for code, _channel in by_area)


def test_a_broken_table_fails_validation(published):
    """The check has teeth: a count that is not a number is caught."""
    csv_path = published / f"supporters-{FY}.csv"
    original = csv_path.read_bytes()
    broken = original.replace(b",4\r\n", b",four\r\n", 1)
    assert broken != original
    csv_path.write_bytes(broken)
    result = subprocess.run(
        [FRICTIONLESS, "validate", "--json", f"supporters-{FY}.datapackage.json"],
        cwd=published,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not json.loads(result.stdout)["valid"]


def test_the_public_page_explains_the_dataset_in_japanese(client):
    page = client.get("/opendata/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "CC BY 4.0" in text or "CC-BY-4.0" in text
    assert f"/opendata/supporters-{FY}.csv" in text
    assert f"/opendata/supporters-{FY}.datapackage.json" in text
    assert "3人未満" in text and "全国地方公共団体コード" in text


def test_the_footer_links_to_the_open_data_page(client):
    assert 'href="/opendata/"' in client.get("/opendata/").content.decode()
