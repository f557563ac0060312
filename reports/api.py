"""The KPI JSON API (``GET /api/kpi/``), with its OpenAPI schema at ``/api/openapi.json``.

For administrators only: a Wagtail API token (``Authorization: Bearer wagtail_…``, made under
アカウント → API tokens or with ``manage.py api_tokens``) or the admin session. The document is
``reports.schemas.KpiOut``, built by ``reports.figures.kpi_report``; ``kpi_report --format json``
prints the same document.
"""

from django.core.exceptions import PermissionDenied
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from wagtail.api.v3.auth import BearerTokenAuth

from organizations.scopes import scope_for_user

from .areas import AreaNotFound
from .figures import kpi_report
from .models import PROGRAMME_START
from .parameters import LAST_FISCAL_YEAR, InvalidParameter
from .schemas import KpiOut

api = NinjaAPI(
    title="Tsunagari KPI API",
    version="1.0",
    description=(
        "つながりサポーターの養成数（実績）と目標。全国・都道府県・市区町村ごと。"
        "管理者のみ（APIトークンまたは管理画面のログイン）。見られる範囲は管理者の範囲に従います。"
    ),
    urls_namespace="kpi_api",
    auth=[BearerTokenAuth(), django_auth],
    docs_url=None,  # the interactive docs page loads scripts from a CDN; the schema is enough
)


class ErrorOut(Schema):
    detail: str


class KpiParams(Schema):
    fiscal_year: int = Field(
        ..., ge=PROGRAMME_START.year, le=LAST_FISCAL_YEAR, description="年度（西暦）"
    )
    prefecture: str | None = Field(
        None, pattern=r"^(0?[1-9]|[1-3][0-9]|4[0-7])$", description="都道府県コード（01〜47）"
    )
    municipality: str | None = Field(
        None,
        pattern=r"^[0-9]{5,6}$",
        description="全国地方公共団体コード（6桁、検査数字なしの5桁も可）",
    )


@api.get(
    "/kpi/",
    response={200: KpiOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="養成数と目標（KPI）",
    url_name="kpi",
)
def kpi(request, params: Query[KpiParams]):
    """Supporters trained in a fiscal year for the nation, a prefecture (``prefecture=27``) or a
    municipality (``municipality=271004``); without an area, the caller's own area."""
    scope = scope_for_user(request.user)
    if scope is None:
        return Status(403, {"detail": "この情報を見る権限がありません。"})
    try:
        report = kpi_report(
            scope=scope,
            fiscal_year=params.fiscal_year,
            prefecture=params.prefecture,
            municipality=params.municipality,
        )
    except InvalidParameter as error:
        return Status(400, {"detail": str(error)})
    except AreaNotFound:
        return Status(404, {"detail": "その地域コードは見つかりません。"})
    except PermissionDenied:
        return Status(403, {"detail": "この地域の情報を見る権限がありません。"})
    return Status(200, report)


@api.exception_handler(NinjaValidationError)
def invalid_parameters(request, exc):
    return api.create_response(
        request,
        {"detail": "パラメータが正しくありません（fiscal_year は必須、西暦4桁）。"},
        status=400,
    )


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc):
    return api.create_response(
        request, {"detail": "ログインまたはAPIトークンが必要です。"}, status=401
    )
