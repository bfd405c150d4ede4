"""Indicators the platform derives from its own records, counted from the IOC's per-record rollups (one fact
row per dossier and per field report) over any window: the regime's own cut-off period, not the calendar
month the IOC's counters are kept by. Each query is versioned; its result names the records it counted."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from tinhso.core.eventlog import canonical_json
from tinhso.core.models import AdminUnit
from tinhso.core.selectors import under_path
from tinhso.dossiers.models import Channel
from tinhso.ioc.models import DossierFact, ReportFact
from tinhso.ioc.rules import on_time_at


@dataclass(frozen=True)
class Query:
    name: str
    version: int
    label: str
    records: str  # "dossiers" or "reports"
    instant: str
    keep: Callable[[Any], bool] | None = None
    where: tuple[tuple[str, object], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


QUERIES: dict[str, Query] = {
    query.name: query
    for query in (
        Query("dossiers_received", 1, "Hồ sơ tiếp nhận trong kỳ", "dossiers", "submitted_at"),
        Query(
            "dossiers_received_online",
            1,
            "Hồ sơ tiếp nhận trực tuyến",
            "dossiers",
            "submitted_at",
            where=(("channel", Channel.ONLINE),),
        ),
        Query("dossiers_resolved", 1, "Hồ sơ đã giải quyết", "dossiers", "ended_at"),
        Query(
            "dossiers_resolved_on_time",
            1,
            "Hồ sơ giải quyết đúng hạn",
            "dossiers",
            "ended_at",
            keep=lambda fact: on_time_at(fact, fact.ended_at),
        ),
        Query("results_electronic", 1, "Kết quả trả bản điện tử", "dossiers", "finished_at"),
        Query("reports_received", 1, "Phản ánh hiện trường tiếp nhận", "reports", "submitted_at"),
        Query(
            "reports_handled_on_time",
            1,
            "Phản ánh xử lý đúng hạn",
            "reports",
            "published_at",
            keep=lambda fact: fact.resolved_at is not None and fact.resolved_at <= fact.due_at,
        ),
    )
}


@dataclass(frozen=True)
class Result:
    value: int
    record_ids: list[int]
    records_hash: str
    parameters: dict


def facts(query: Query, *, unit: AdminUnit, start: datetime, end: datetime) -> QuerySet:
    model = DossierFact if query.records == "dossiers" else ReportFact
    window = Q(**{f"{query.instant}__gte": start, f"{query.instant}__lt": end})
    return model.objects.filter(window, under_path(unit.path, "unit__path"), **dict(query.where))


def count(query: Query, *, unit: AdminUnit, start: datetime, end: datetime) -> Result:
    rows = facts(query, unit=unit, start=start, end=end)
    ids = sorted(fact.pk for fact in rows if query.keep is None or query.keep(fact))
    parameters = {"unit": unit.code, "start": start.isoformat(), "end": end.isoformat()}
    digest = hashlib.sha256(canonical_json([query.key, ids]).encode()).hexdigest()
    return Result(len(ids), ids, digest, parameters)
