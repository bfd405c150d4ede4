"""JSON API of the IOC under /api/v1/ioc: every KPI, scoped like the pages (bearer token or session)."""

from datetime import datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.security import django_auth

from tinhso.core.api import bearer_auth
from tinhso.core.auth import SignedInRequest
from tinhso.ioc import rules, selectors

router = Router(tags=["ioc"], auth=[bearer_auth, django_auth])

# Query constraints published in the OpenAPI document; the selectors check them again.
PeriodKey = Annotated[
    str,
    Query(
        pattern=r"^(\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?)?$",
        description="2026-04 (month), 2026-Q2 (quarter) or 2026 (year), years 1900-2999; empty: this month",
    ),
]
IndicatorCode = Annotated[
    str,
    Query(
        pattern="^(" + "|".join(code.replace(".", r"\.") for code in rules.ALL) + ")$",
        description="An indicator: of the national service index (e.g. 2.1) or of field reports (PA.1-PA.5)",
    ),
]


class ValueOut(Schema):
    code: str
    name: str
    group: str
    formula: str
    computable: bool
    reason: str
    numerator: float | None
    denominator: float | None
    rate: float | None
    points: float | None
    max_points: float
    full_at: float


class GroupOut(Schema):
    code: str
    name: str
    points: float
    score: float
    computable_points: float


class ScorecardOut(Schema):
    unit: str
    unit_name: str
    period: str
    sector: str
    score: float
    computable_points: float
    data_as_of: datetime | None
    groups: list[GroupOut]
    indicators: list[ValueOut]
    field_reports: list[ValueOut]


class RankOut(Schema):
    rank: int | None  # None for a unit without records in the period: not ranked
    unit: str
    unit_name: str
    score: float
    on_time_rate: float | None
    online_rate: float | None
    reports_on_time_rate: float | None
    received: int


class TrendOut(Schema):
    period: str
    label: str
    on_time_rate: float | None
    online_rate: float | None
    received: int
    reports_received: int


class RecordOut(Schema):
    code: str
    title: str
    unit: str
    start: datetime | None
    deadline: datetime | None
    end: datetime | None
    verdict: str
    url: str


class RecordsOut(Schema):
    indicator: ValueOut
    total: int
    records: list[RecordOut]


class StatusOut(Schema):
    last_event_id: int
    data_as_of: datetime | None


def _value(value: rules.Value) -> dict:
    indicator = value.indicator
    return {
        "code": indicator.code,
        "name": str(indicator.name),
        "group": indicator.group,
        "formula": str(indicator.formula),
        "computable": value.computable,
        "reason": str(indicator.reason),
        "numerator": value.numerator,
        "denominator": value.denominator,
        "rate": value.rate,
        "points": value.points,
        "max_points": indicator.points,
        "full_at": indicator.full_at,
    }


def _period(period: str):
    return selectors.period_or_current(period, timezone.now())


@router.get("/kpis", response=ScorecardOut, summary="The service index and field-report KPIs of a unit")
def kpis(request: SignedInRequest, unit: str = "", period: PeriodKey = "", sector: str = "") -> dict:
    card = selectors.scorecard(actor=request.auth, unit_code=unit, period=_period(period), sector=sector)
    return {
        "unit": card.unit.code,
        "unit_name": card.unit.name,
        "period": card.period.key,
        "sector": sector,
        "score": card.score,
        "computable_points": card.computable_points,
        "data_as_of": card.data_as_of,
        "groups": [group.__dict__ | {"values": None} for group in card.groups],
        "indicators": [_value(value) for group in card.groups for value in group.values]
        + [_value(card.extra[0])],
        "field_reports": [_value(value) for value in card.extra[1:]],
    }


@router.get("/ranking", response=list[RankOut], summary="Agencies or communes under a unit, best first")
def ranking(
    request: SignedInRequest,
    unit: str = "",
    period: PeriodKey = "",
    sector: str = "",
    kind: Literal["agencies", "communes"] = "agencies",
):
    """Every unit, best score first as before; `rank` is null for a unit without records in the period,
    which would score the points of "nothing to count": the pages list those apart, unranked."""
    rows = selectors.ranking(
        actor=request.auth, unit_code=unit, period=_period(period), sector=sector, kind=kind
    )
    ranks = {id(row): rank for rank, row in enumerate((row for row in rows if row.has_data), 1)}
    return [
        {
            "rank": ranks.get(id(row)),
            "unit": row.unit.code,
            "unit_name": row.unit.name,
            "score": row.score,
            "on_time_rate": row.on_time.rate,
            "online_rate": row.online.rate,
            "reports_on_time_rate": row.reports_on_time.rate,
            "received": row.received,
        }
        for row in sorted(rows, key=lambda row: (-row.score, -(row.on_time.rate or 0), row.unit.name))
    ]


@router.get("/trend", response=list[TrendOut], summary="Twelve months up to the period")
def trend(request: SignedInRequest, unit: str = "", period: PeriodKey = "", sector: str = ""):
    return selectors.trend(actor=request.auth, unit_code=unit, period=_period(period), sector=sector)


@router.get("/map", summary="Communes coloured by an indicator and open field reports")
def commune_map(
    request: SignedInRequest,
    unit: str = "",
    period: PeriodKey = "",
    sector: str = "",
    indicator: IndicatorCode = "2.1",
):
    shown = selectors.commune_map(
        actor=request.auth, unit_code=unit, period=_period(period), sector=sector, indicator=indicator
    )
    return shown | {"reports": [point._asdict() for point in shown["reports"]]}


@router.get("/records", response=RecordsOut, summary="The records behind an indicator's number")
def records(
    request: SignedInRequest,
    indicator: IndicatorCode,
    unit: str = "",
    period: PeriodKey = "",
    sector: str = "",
):
    drill = selectors.records(
        actor=request.auth, indicator=indicator, unit_code=unit, period=_period(period), sector=sector
    )
    return {
        "indicator": _value(drill.value),
        "total": drill.total,
        "records": [row.__dict__ for row in drill.rows],
    }


@router.get("/status", response=StatusOut, summary="How far the rollups have read the event log")
def status(request: SignedInRequest) -> dict:
    selectors.root_units(request.auth)
    current = selectors.state()
    if current is None:
        return {"last_event_id": 0, "data_as_of": None}
    return {"last_event_id": current.last_event_id, "data_as_of": current.updated_at}


class AlertOut(Schema):
    unit: str
    unit_name: str
    indicator: str
    period: str
    rate: float
    threshold: float
    raised_at: datetime


@router.get("/alerts", response=list[AlertOut], summary="Open threshold breaches in the user's units")
def alerts(request: SignedInRequest) -> list[dict]:
    selectors.root_units(request.auth)
    return [
        {
            "unit": alert.unit.code,
            "unit_name": alert.unit.name,
            "indicator": alert.rule.indicator,
            "period": alert.period,
            "rate": alert.rate,
            "threshold": float(alert.rule.threshold),
            "raised_at": alert.raised_at,
        }
        for alert in selectors.alerts_for(actor=request.auth, limit=200)
    ]
