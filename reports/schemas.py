"""The KPI report's shape, defined once: the django-ninja schemas of ``GET /api/kpi/``.

``reports.figures.kpi_report`` builds a :class:`KpiOut`; the API returns it as it is, the CLI's
``--format json`` prints its ``model_dump()``, and the dashboard, the CSV/XLSX exports and the
CLI tables (``reports.tables``) read its attributes. A field added here is therefore in every
output at once, and in the OpenAPI schema, which is a contract with the API's users.
"""

from ninja import Schema

# The classes have no docstrings on purpose: pydantic would publish them in the OpenAPI schema.


class AreaOut(Schema):
    level: str
    code: str | None
    name: str


class TotalOut(Schema):
    actual: int
    online: int
    in_person: int
    target: int | None
    progress: float | None
    pace: float | None
    projection: int | None
    population: int | None
    rate_per_10000: float | None
    elapsed_share: float
    cumulative: int


# 強化月間: the national campaign month, marked on the dashboard's chart and table.
CAMPAIGN_MONTH = 5


class MonthOut(Schema):
    month: str  # YYYY-MM
    actual: int
    online: int
    in_person: int
    target: int | None

    @property
    def is_campaign_month(self) -> bool:
        """Whether this is May (強化月間); derived, so not part of the API document."""
        return int(self.month[5:7]) == CAMPAIGN_MONTH


class RowOut(Schema):
    code: str | None
    name: str
    actual: int
    online: int
    in_person: int
    target: int | None
    progress: float | None
    population: int | None
    rate_per_10000: float | None


class ChannelOut(Schema):
    online: int
    in_person: int


class KpiOut(Schema):
    fiscal_year: int
    area: AreaOut
    total: TotalOut
    target_split: str | None
    by_month: list[MonthOut]
    by_attendee_type: dict[str, int]
    by_channel: ChannelOut
    rows: list[RowOut]
    generated_at: str
