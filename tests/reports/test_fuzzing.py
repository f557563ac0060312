"""Whatever is sent, the KPI API, open data and import files answer with a clear 4xx or a
report — never a 500 — and write nothing."""

import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from base.imports import ImportFileError, read_dataset, run_import
from organizations.scopes import NATION
from reports.models import TrainingSession
from reports.resources import TrainingSessionResource
from tests import factories

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

parameter = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(
        ["2025", "27", "271004", "13", "0", "47", "48", "00", "2025.0", "２０２５", "1e3"]
    ),
)


@FUZZ
@given(fiscal_year=parameter, prefecture=st.none() | parameter, municipality=st.none() | parameter)
def test_kpi_api_never_fails_whatever_the_parameters(
    admin_client, fiscal_year, prefecture, municipality
):
    params = {"fiscal_year": fiscal_year}
    if prefecture is not None:
        params["prefecture"] = prefecture
    if municipality is not None:
        params["municipality"] = municipality
    response = admin_client.get("/api/kpi/", params)
    assert response.status_code in (200, 400, 403, 404), (params, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    if response.status_code != 200:
        assert response.json()["detail"]


@FUZZ
@given(year=st.integers(min_value=0, max_value=99999))
def test_open_data_answers_200_or_404(client, year):
    assert client.get(f"/opendata/supporters-{year}.csv").status_code in (200, 404)


@FUZZ
@given(code=st.text(alphabet=string.printable + "あ漢０", max_size=40))
def test_certificate_verification_url_never_fails(client, code):
    from urllib.parse import quote

    response = client.get(f"/certificates/verify/{quote(code, safe='')}/")
    assert response.status_code in (200, 301, 404, 429)


@pytest.fixture
def places():
    factories.municipality()
    factories.course(audience="citizen", lessons=1)


cell = st.one_of(
    st.text(max_size=15),
    st.integers(min_value=-5, max_value=10**7).map(str),
    st.sampled_from(
        ["2025-05-10", "2025/13/01", "271004", "自治体", "一般向け", "対面", "", "１２"]
    ),
)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=11, max_size=11), min_size=1, max_size=5))
def test_session_import_of_any_file_reports_rows_or_imports_without_crashing(rows):
    factories.municipality()
    factories.course(
        audience="citizen", lessons=1
    ) if not TrainingSession.objects.exists() else None
    header = "開催日,市区町村コード,主催者の種別,主催者名,講座の種類,講師名,実施方法,会場,一般,企業・職域,こども"
    body = "\n".join(
        ",".join(c.replace(",", " ").replace("\n", " ").replace('"', "") for c in row)
        for row in rows
    )
    upload = SimpleUploadedFile("fuzz.csv", (header + "\n" + body).encode("utf-8"))
    try:
        dataset = read_dataset(upload)
    except ImportFileError:
        return
    before = TrainingSession.objects.count()
    outcome = run_import(TrainingSessionResource(scope=NATION), dataset, dry_run=True)
    assert TrainingSession.objects.count() == before
    for error in outcome.errors:
        assert error.row >= 1 and error.message
