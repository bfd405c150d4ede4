"""Reads of the IOC, scoped like the pages: a province leader sees the province, a unit leader their units.
KPIs read the counters (a few rows per unit and period), never the dossiers themselves. One module per
topic; callers import from here."""

from tinhso.ioc.selectors.alerts import alert_title, alerts_for
from tinhso.ioc.selectors.catalog import (
    _CATALOG,
    CATALOG_CONDITIONS,
    CatalogRow,
    catalog_counts,
    catalog_rows,
)
from tinhso.ioc.selectors.counters import counter_sums
from tinhso.ioc.selectors.dashboard import Dashboard, ancestors, dashboard
from tinhso.ioc.selectors.drill import PAGE_SIZE, Drill, RecordRow, records
from tinhso.ioc.selectors.kpis import Group, Scorecard, indicator_value, scorecard
from tinhso.ioc.selectors.map import ReportPoint, commune_map, open_report_points
from tinhso.ioc.selectors.rankings import RankRow, ranking
from tinhso.ioc.selectors.scope import (
    _UNITS_UNDER,
    IOC_ROLES,
    data_as_of,
    log_given,
    may_see_ioc,
    newest_event_id,
    period_or_current,
    replica_lag,
    root_units,
    state,
    state_and_newest,
    unit_for,
)
from tinhso.ioc.selectors.trend import _CLOSED_MONTHS, trend

__all__ = [
    "CATALOG_CONDITIONS",
    "IOC_ROLES",
    "PAGE_SIZE",
    "_CATALOG",
    "_CLOSED_MONTHS",
    "_UNITS_UNDER",
    "CatalogRow",
    "Dashboard",
    "Drill",
    "Group",
    "RankRow",
    "RecordRow",
    "ReportPoint",
    "Scorecard",
    "alert_title",
    "alerts_for",
    "ancestors",
    "catalog_counts",
    "catalog_rows",
    "commune_map",
    "counter_sums",
    "dashboard",
    "data_as_of",
    "indicator_value",
    "log_given",
    "may_see_ioc",
    "newest_event_id",
    "open_report_points",
    "period_or_current",
    "ranking",
    "records",
    "replica_lag",
    "root_units",
    "scorecard",
    "state",
    "state_and_newest",
    "trend",
    "unit_for",
]
