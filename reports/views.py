"""Public open data of supporter counts (no personal data, small cells merged)."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from base.dates import fiscal_year_of, tokyo_date

from . import open_data
from .models import PROGRAMME_START
from .parameters import InvalidParameter


def _files(fiscal_year: int) -> open_data.OpenDataFiles:
    # Open data is published in Japanese whatever language the visitor's interface uses,
    # so that the CSV's values always match the enumerations of its schema.
    with translation.override("ja"):
        try:
            return open_data.published_files(fiscal_year)
        except InvalidParameter as error:
            raise Http404(str(error)) from error


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={open_data.CACHE_SECONDS}"
    # Anyone's tools may read it, from any origin.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def open_data_csv(request, fiscal_year: int):
    """``/opendata/supporters-2025.csv``: header first, UTF-8 with BOM, CRLF (Excel-friendly)."""
    files = _files(fiscal_year)
    response = HttpResponse(files.csv.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{open_data.csv_name(fiscal_year)}"'
    return _public(response)


@require_GET
def open_data_package(request, fiscal_year: int):
    """``/opendata/supporters-2025.datapackage.json``: the Frictionless description of the CSV."""
    files = _files(fiscal_year)
    body = json.dumps(files.package, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    return _public(response)


@require_GET
def open_data_index(request):
    """``/opendata/``: what the dataset is, in Japanese, with the files of every fiscal year."""
    current = fiscal_year_of(tokyo_date())
    years = [
        {
            "fiscal_year": year,
            "csv": open_data.csv_name(year),
            "package": open_data.package_name(year),
        }
        for year in range(current, PROGRAMME_START.year - 1, -1)
    ]
    with translation.override("ja"):
        fields = [
            {"name": name, "title": title, "description": description}
            for name, _kind, title, description, _constraints in open_data.FIELDS
        ]
    context = {
        "years": years,
        "fields": fields,
        "license": open_data.LICENSE,
        "threshold": open_data.SMALL_CELL_THRESHOLD,
    }
    return render(request, "reports/open_data.html", context)
