"""Every write of the IOC: the event consumer keeping fact rows and counters, the rebuild, alert rules.

The consumer reads the event log after its cursor; ids it skipped (on PostgreSQL an event with a lower id
may commit after a higher one) are read again for a short while. Each fact remembers the last `seq` of
its stream it applied, so re-reading an event changes nothing."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Procedure
from tinhso.core import selectors as core_selectors
from tinhso.core import sql as core_sql
from tinhso.core.errors import InvalidInput
from tinhso.core.models import AdminUnit, Event, Role, User
from tinhso.core.services import record_event
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers.models import Dossier, Status
from tinhso.fieldreports import events as report_events
from tinhso.fieldreports import selectors as fieldreport_selectors
from tinhso.fieldreports.models import Report
from tinhso.ioc import events as ioc_events
from tinhso.ioc import periods, rules, selectors
from tinhso.ioc.models import (
    DOSSIER_STREAM,
    OUR_STREAMS,
    PAYMENT_STREAM,
    STATE_NAME,
    Alert,
    AlertRule,
    ConsumerState,
    Counter,
    CounterTotal,
    DossierFact,
    ReportFact,
)
from tinhso.payments import events as payment_events
from tinhso.payments.models import PaymentOrder

LOOK_BACK = timedelta(minutes=2)
MAX_GAPS = 1000
BATCH = 2000
ENDING = dossier_events.ENDING


def _state() -> ConsumerState:
    ConsumerState.objects.get_or_create(name=STATE_NAME)
    return ConsumerState.objects.select_for_update().get(name=STATE_NAME)


class _Units:
    """Unit ids by code, read once per run."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, code: str) -> int:
        if code not in self.ids:
            self.ids[code] = AdminUnit.objects.only("pk").get(code=code).pk
        return self.ids[code]


# ---- applying one event to a fact -------------------------------------------------------------------


def _new_dossier_fact(pk: int, event: Event) -> DossierFact | None:
    dossier = Dossier.objects.select_related("procedure").filter(pk=pk).first()
    if dossier is None:
        return None
    procedure = dossier.procedure  # the exact version received under: never changes for this dossier
    return DossierFact(
        dossier_id=pk,
        code=event.payload.get("code", dossier.code),
        unit_id=dossier.authority_unit_id,
        sector=procedure.sector,
        procedure_code=procedure.code,
        full_online=procedure.online_level == Procedure.OnlineLevel.FULL,
        channel=event.payload.get("channel", dossier.channel),
        status=Status.NEW,
        submitted_at=event.occurred_at,
    )


def _apply_dossier(fact: DossierFact, event: Event) -> None:
    action, payload, at = event.action, event.payload, event.occurred_at
    if "status" in payload:
        fact.status = payload["status"]
    if action == dossier_events.ACCEPTED:
        fact.accepted_at = at
        fact.deadline = datetime.fromisoformat(payload["promised_at"])
    elif action in (dossier_events.SUPPLEMENT_REQUESTED, dossier_events.PAYMENT_REQUESTED):
        kind = rules.SUPPLEMENT if action == dossier_events.SUPPLEMENT_REQUESTED else rules.PAYMENT
        fact.supplements = [*fact.supplements, [at.isoformat(), None, 0, kind]]
    elif (
        action in (dossier_events.SUPPLEMENT_ANSWERED, dossier_events.PAYMENT_CONFIRMED) and fact.supplements
    ):
        # Waiting before acceptance moves no deadline (the acknowledgement clock restarts instead).
        hours = payload.get("paused_hours", 0) if payload.get("status") != Status.NEW else 0
        last = fact.supplements[-1]
        fact.supplements = [*fact.supplements[:-1], [last[0], at.isoformat(), hours, *last[3:]]]
    elif action == dossier_events.RATED:
        fact.rating, fact.rated_at = payload["rating"], at
    if action in ENDING and fact.ended_at is None:
        fact.ended_at = at
    if action == dossier_events.FINISHED:
        fact.finished_at = at


def _apply_payment(fact: DossierFact, event: Event) -> None:
    """An order's event on its dossier's fact: the first order opened, the first paid online. Keeping the
    earliest instant makes reading an event again change nothing."""
    at = event.occurred_at
    if event.action == payment_events.ORDER_CREATED:
        fact.fee_owed_at = min(fact.fee_owed_at or at, at)
    elif event.action == payment_events.ORDER_PAID and event.payload.get("online"):
        fact.paid_online_at = min(fact.paid_online_at or at, at)


def _new_report_fact(pk: int, event: Event, units: _Units) -> ReportFact | None:
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        return None
    payload = event.payload
    # The place and the filing time never change; unit, category and deadline come from the events.
    fact = ReportFact(
        report_id=pk,
        tracking_code=payload.get("tracking_code", report.tracking_code),
        commune_id=report.commune_id,
        unit_id=units(payload["unit"]) if "unit" in payload else report.commune_id,
        category=payload.get("category", ""),
        latitude=report.latitude,
        longitude=report.longitude,
        submitted_at=report.submitted_at,
        due_at=datetime.fromisoformat(payload["due_at"]) if "due_at" in payload else report.submitted_at,
    )
    return fact


def _apply_report(fact: ReportFact, event: Event, units: _Units) -> None:
    action, payload, at = event.action, event.payload, event.occurred_at
    if "unit" in payload and action in (
        report_events.ROUTED,
        report_events.REROUTED,
        report_events.CATEGORY_CHANGED,
        report_events.REOPENED,
    ):
        fact.unit_id = units(payload["unit"])
    if "due_at" in payload and action != report_events.OVERDUE:
        fact.due_at = datetime.fromisoformat(payload["due_at"])
    if "category" in payload:
        fact.category = payload["category"]
    if action == report_events.RESOLVED:
        fact.resolved_at = at
    elif action == report_events.RESULT_SENT_BACK:
        fact.resolved_at = None
    elif action == report_events.PUBLISHED:
        fact.published_at = fact.closed_at = at
    elif action in (report_events.REJECTED, report_events.MERGED):
        fact.closed_at = at
    elif action == report_events.RATED:
        fact.satisfied, fact.rated_at = payload["satisfied"], at
    elif action == report_events.REOPENED:
        fact.satisfied = fact.rated_at = fact.published_at = fact.closed_at = fact.resolved_at = None


# ---- facts replayed outside the consumer (the data generator) ---------------------------------------


def replay_dossier_fact(fact: Any, events: list[Any], horizon: periods.Period | None, now: datetime) -> Any:
    """Applies a new dossier's events (objects with action, payload, occurred_at, seq) to its fact (a
    DossierFact or any object with its fields) and sets its contributions as of `now`, as the consumer would."""
    for event in events:
        _apply_dossier(fact, event)
        fact.applied_seq = event.seq
    _judge(fact, horizon, now)
    return fact


def replay_report_fact(
    fact: Any, events: list[Any], horizon: periods.Period | None, units: Any, now: datetime
) -> Any:
    """As replay_dossier_fact, for a field report; `units` maps a unit code to its id."""
    for event in events:
        _apply_report(fact, event, units)
        fact.applied_seq = event.seq
    _judge(fact, horizon, now)
    return fact


CounterKey = tuple[Any, ...]  # (unit id, sector, period, metric), or without the sector for a total
COUNTER_KEY = ("unit_id", "sector", "period", "metric")
TOTAL_KEY = ("unit_id", "period", "metric")
_COLUMN_TYPES = {
    "unit_id": "bigint",
    "sector": "varchar(200)",
    "period": "varchar(7)",
    "metric": "varchar(50)",
    "value": "bigint",
}


def _totals(changes: dict[CounterKey, int]) -> dict[CounterKey, int]:
    """Changes to the counters, per (unit, period, metric): every sector together, in key order."""
    totals: dict[CounterKey, int] = defaultdict(int)
    for (unit, _sector, period, metric), change in changes.items():
        totals[(unit, period, metric)] += change
    return dict(sorted(totals.items()))


def add_to_counters(increments: dict[CounterKey, int]) -> None:
    """Adds {(unit id, sector, period, metric): positive count} to the counters and their totals in two
    upserts, in the caller's transaction (bulk writers: a year of history touches every counter of the
    province). Callers give the counters in key order and the totals are written in theirs, so concurrent
    writers never wait on each other in a cycle."""
    counters = {Counter: (COUNTER_KEY, increments), CounterTotal: (TOTAL_KEY, _totals(increments))}
    for model, (key, changes) in counters.items():
        core_sql.upsert_rows(
            model._meta.db_table,
            [*key, "value"],
            [(*row, value) for row, value in changes.items()],
            key=list(key),
            column_types=[_COLUMN_TYPES[name] for name in (*key, "value")],
            update="value = {table}.value + excluded.value",
        )


# ---- the consumer -----------------------------------------------------------------------------------


def _judge(fact: Any, horizon: periods.Period | None, now: datetime) -> None:
    """Sets the counters the fact adds to as of `now`, and when it must be judged again without an event."""
    if hasattr(fact, "dossier_id"):
        pairs = sorted(rules.dossier_contributions(fact, horizon, now))  # one unit and sector in all
        unit, sector = fact.unit_id, fact.sector
        fact.rejudge_at = rules.dossier_turns_late_at(fact, now)
    else:
        pairs = sorted(rules.report_contributions(fact, horizon, now))
        unit, sector = fact.unit_id, ""
        fact.rejudge_at = rules.report_turns_late_at(fact, now)
    fact.contributions = [[unit, sector, period, metric] for period, metric in pairs]


def _apply_deltas(deltas: dict[CounterKey, int]) -> None:
    _apply_changes(Counter, COUNTER_KEY, deltas)
    _apply_changes(CounterTotal, TOTAL_KEY, _totals(deltas))


Rollup = TypeVar("Rollup", Counter, CounterTotal)


def _apply_changes(model: type[Rollup], key: tuple[str, ...], changes: dict[CounterKey, int]) -> None:
    """Adds each change to the row of its key: creates the rows missing, deletes those brought to 0."""
    changes = {row_key: change for row_key, change in changes.items() if change}
    if not changes:
        return
    existing = {
        tuple(getattr(row, name) for name in key): row
        for row in model.objects.filter(
            unit_id__in={row[0] for row in changes},
            period__in={row[-2] for row in changes},
            metric__in={row[-1] for row in changes},
        )
    }
    created: list[Rollup] = []
    changed: list[Rollup] = []
    emptied: list[Rollup] = []
    for row_key, change in changes.items():
        row = existing.get(row_key)
        if row is None:
            created.append(model(**dict(zip(key, row_key, strict=True)), value=change))
            continue
        row.value += change
        (changed if row.value else emptied).append(row)
    model.objects.bulk_create(created, batch_size=1000)
    model.objects.bulk_update(changed, ["value"], batch_size=1000)
    model.objects.filter(pk__in=[row.pk for row in emptied]).delete()


def _store(
    facts: list[Any], horizon: periods.Period | None, deltas: dict[CounterKey, int], now: datetime
) -> None:
    for fact in facts:
        for key in fact.contributions:
            deltas[tuple(key)] -= 1
        _judge(fact, horizon, now)
        for key in fact.contributions:
            deltas[tuple(key)] += 1
        fact.save()


def _roll_open_facts(horizon: periods.Period, deltas: dict[CounterKey, int], now: datetime) -> None:
    """A later month was reached: open records now also count as open at its end."""
    open_dossiers = DossierFact.objects.filter(ended_at__isnull=True, accepted_at__isnull=False)
    open_reports = ReportFact.objects.filter(closed_at__isnull=True)
    for facts in (open_dossiers, open_reports):
        _store(list(facts.iterator(chunk_size=1000)), horizon, deltas, now)


def _rejudge(horizon: str, now: datetime, touched_units: set[int]) -> None:
    """Judges again the open records whose deadline passed since they were last judged: in a period still
    running they turn from on time to late then, with no event to say so."""
    due: list[DossierFact | ReportFact] = [
        *DossierFact.objects.filter(rejudge_at__lt=now),
        *ReportFact.objects.filter(rejudge_at__lt=now),
    ]
    if not due:
        return
    deltas: dict[CounterKey, int] = defaultdict(int)
    _store(due, periods.parse(horizon) if horizon else None, deltas, now)
    _apply_deltas(deltas)
    touched_units.update(fact.unit_id for fact in due)


def _later(horizon: str, instant: datetime) -> str:
    month = periods.of(instant).key
    return max(horizon, month) if horizon else month


# The order events the index counts; the others (started, failed, expired, refunded) change no fact.
_COUNTED_PAYMENTS = (payment_events.ORDER_CREATED, payment_events.ORDER_PAID)


def _ours(events: list[Event]) -> list[Event]:
    return [event for event in events if event.stream.startswith(OUR_STREAMS)]


def _judged_at(now: datetime, state: ConsumerState, events: Sequence[Event] = ()) -> datetime:
    """The instant open records are judged at: now, or the latest dossier or report event known when a
    clock behind the log asks (a rebuild or the generator at an earlier instant): never before the records."""
    instants = [now, *(event.occurred_at for event in _ours(list(events)))]
    if state.data_as_of is not None:
        instants.append(state.data_as_of)
    return max(instants)


def judging_instant(*, now: datetime) -> datetime:
    """When records written now in bulk (the generator) are judged, as the consumer would judge them."""
    state = ConsumerState.objects.filter(name=STATE_NAME).first()
    return _judged_at(now, state) if state is not None else now


@transaction.atomic
def consume_events(*, now: datetime | None = None, batch: int = BATCH, alerts: bool = True) -> int:
    """Applies the events written since the last run to the facts and counters; returns how many applied."""
    now = now or timezone.now()
    state = _state()
    touched_units: set[int] = set()
    # Ids skipped below the cursor may belong to transactions that commit late: read them again a while.
    gaps = [gap for gap in state.gaps if datetime.fromisoformat(gap[2]) >= now - LOOK_BACK]
    late: list[Event] = []
    if gaps:
        condition = Q()
        for first, last, _seen in gaps:
            condition |= Q(pk__gte=first, pk__lte=last)
        late = list(Event.objects.filter(condition).order_by("pk"))
    applied, horizon_key = _apply_batch(late, state, touched_units, _judged_at(now, state, late))
    state.horizon = horizon_key or state.horizon
    while True:
        events = list(Event.objects.filter(pk__gt=state.last_event_id).order_by("pk")[:batch])
        if not events:
            break
        count, horizon_key = _apply_batch(events, state, touched_units, _judged_at(now, state, events))
        applied += count
        state.horizon = horizon_key or state.horizon
        previous = state.last_event_id
        for event in events:
            if event.pk > previous + 1:
                gaps.append([previous + 1, event.pk - 1, now.isoformat()])
            previous = event.pk
        state.last_event_id = events[-1].pk
        ours = _ours(events)  # the time of the last dossier or report event applied
        if ours:
            latest = max(event.occurred_at for event in ours)
            state.data_as_of = max(state.data_as_of or latest, latest)
        if len(events) < batch:
            break
    _rejudge(state.horizon, _judged_at(now, state), touched_units)
    state.gaps = gaps[-MAX_GAPS:]
    state.updated_at = now
    state.save()
    if alerts and touched_units:
        evaluate_alerts(unit_ids=touched_units, now=now)
    return applied


def catch_up() -> tuple[int, ConsumerState | None]:
    """The one write a page GET makes: the dashboard, the drill-down, the live feed and the status poll call
    it to apply the events the background job has not reached yet, so a page never shows figures older than
    the log. Returns the newest dossier or report event id and where the rollups stand after."""
    current, newest = selectors.state_and_newest()
    if newest and (current is None or current.last_event_id < newest):
        consume_events()
        current = selectors.state()
    return newest, current


def _apply_batch(
    events: list[Event], state: ConsumerState, touched_units: set[int], now: datetime
) -> tuple[int, str]:
    by_stream: dict[str, list[Event]] = defaultdict(list)
    payments: list[Event] = []
    horizon = state.horizon
    for event in _ours(events):
        if not event.stream.startswith(PAYMENT_STREAM):
            by_stream[event.stream].append(event)
        elif event.action in _COUNTED_PAYMENTS:
            payments.append(event)
        horizon = _later(horizon, event.occurred_at)
    deltas: dict[CounterKey, int] = defaultdict(int)
    horizon_period = periods.parse(horizon) if horizon else None
    if horizon_period is not None and horizon != state.horizon and state.horizon:
        _roll_open_facts(horizon_period, deltas, now)
    units = _Units()
    changed: list[DossierFact | ReportFact] = []
    applied = 0
    for stream, stream_events in by_stream.items():
        fact, count = _apply_stream(stream, stream_events, units)
        if fact is not None and count:
            changed.append(fact)
            applied += count
    applied += _apply_payments(payments, changed)
    for fact in changed:
        touched_units.add(fact.unit_id)
        touched_units.update(key[0] for key in fact.contributions)
    _store(changed, horizon_period, deltas, now)
    _apply_deltas(deltas)
    return applied, horizon if horizon != state.horizon else ""


def _apply_payments(events: list[Event], changed: list[DossierFact | ReportFact]) -> int:
    """Applies order events to their dossiers' facts (those changed by the batch first, else read), adding
    the facts read to `changed`; an order whose dossier has no fact yet is left out."""
    if not events:
        return 0
    order_ids = {int(event.stream.split(":", 1)[1]) for event in events}
    dossier_of = dict(PaymentOrder.objects.filter(pk__in=order_ids).values_list("pk", "dossier_id"))
    facts = {fact.pk: fact for fact in changed if isinstance(fact, DossierFact)}
    unread = set(dossier_of.values()) - facts.keys()
    read = list(DossierFact.objects.filter(pk__in=unread))
    facts |= {fact.pk: fact for fact in read}
    changed.extend(read)
    applied = 0
    for event in events:
        fact = facts.get(dossier_of.get(int(event.stream.split(":", 1)[1]), 0))
        if fact is not None:
            _apply_payment(fact, event)
            applied += 1
    return applied


def _apply_stream(
    stream: str, events: list[Event], units: _Units
) -> tuple[DossierFact | ReportFact | None, int]:
    """Applies a stream's unseen events in order; a gap (an earlier event not yet visible) stops there."""
    pk = int(stream.split(":", 1)[1])
    is_dossier = stream.startswith(DOSSIER_STREAM)
    model = DossierFact if is_dossier else ReportFact
    fact = model.objects.filter(pk=pk).first()
    seen = fact.applied_seq if fact else 0
    pending = sorted((event for event in events if event.seq > seen), key=lambda event: event.seq)
    if pending and pending[0].seq != seen + 1:
        missing = Event.objects.filter(stream=stream, seq__gt=seen, seq__lt=pending[0].seq).order_by("seq")
        pending = sorted({event.pk: event for event in [*missing, *pending]}.values(), key=lambda e: e.seq)
    count = 0
    for event in pending:
        if event.seq != seen + 1:
            break
        if fact is None:
            fact = _new_dossier_fact(pk, event) if is_dossier else _new_report_fact(pk, event, units)
            if fact is None:
                break
        if isinstance(fact, DossierFact):
            _apply_dossier(fact, event)
        else:
            _apply_report(fact, event, units)
        seen = fact.applied_seq = event.seq
        count += 1
    return fact, count


@transaction.atomic
def roll_horizon(*, now: datetime | None = None) -> str:
    """At a new month, open records start counting as open at its end even before any event arrives."""
    now = now or timezone.now()
    state = _state()
    horizon = _later(state.horizon, now)
    if horizon != state.horizon:
        deltas: dict[CounterKey, int] = defaultdict(int)
        _roll_open_facts(periods.parse(horizon), deltas, _judged_at(now, state))
        _apply_deltas(deltas)
        state.horizon = horizon
        state.save(update_fields=["horizon"])
    return horizon


@transaction.atomic
def rebuild_rollups(*, now: datetime | None = None) -> int:
    """Recomputes every fact and counter from the whole event log; the horizon reached is kept."""
    state = _state()
    horizon = state.horizon
    Counter.objects.all().delete()
    CounterTotal.objects.all().delete()
    DossierFact.objects.all().delete()
    ReportFact.objects.all().delete()
    state.last_event_id, state.horizon, state.data_as_of, state.gaps = 0, "", None, []
    state.save()
    applied = consume_events(now=now, alerts=False)
    if horizon:
        state = _state()
        if horizon > state.horizon:
            roll_horizon(now=periods.parse(horizon).start)
    return applied


# ---- alerts -----------------------------------------------------------------------------------------


@transaction.atomic
def create_alert_rule(
    *, actor: User, indicator: str, threshold: Decimal, min_denominator: int = 1
) -> AlertRule:
    """A threshold on an indicator's monthly rate, checked for every unit that receives records."""
    core_selectors.require_role(actor, Role.PROVINCE_LEADER, Role.ADMINISTRATOR)
    definition = rules.ALL.get(indicator)
    if definition is None or not definition.denominator:
        raise InvalidInput.on(
            "indicator", _("Chỉ đặt ngưỡng cho chỉ số tính theo tỷ lệ từ hồ sơ hoặc phản ánh.")
        )
    if not Decimal(0) < threshold <= Decimal(1):
        raise InvalidInput.on("threshold", _("Ngưỡng là tỷ lệ lớn hơn 0 và không quá 1 (ví dụ 0.9 cho 90%)."))
    rule = AlertRule.objects.create(
        indicator=indicator, threshold=threshold, min_denominator=max(1, min_denominator), created_by=actor
    )
    record_event(
        subject=rule,
        action=ioc_events.ALERT_RULE_CREATED,
        actor=actor,
        payload={
            "indicator": indicator,
            "threshold": str(threshold),
            "min_denominator": rule.min_denominator,
        },
    )
    return rule


def _unit_rate(indicator: rules.Indicator, unit: AdminUnit, period: str) -> tuple[float | None, int]:
    sums = selectors.counter_sums(unit=unit, period=period)
    value = rules.evaluate(indicator, sums, {})
    return value.rate, int(value.denominator or 0)


def evaluate_alerts(*, unit_ids: set[int], now: datetime | None = None) -> list[Alert]:
    """Raises one alert per breach (rule, unit, month) and clears it once the rate is back above."""
    now = now or timezone.now()
    period = periods.of(now).key
    raised: list[Alert] = []
    rules_ = list(AlertRule.objects.filter(active=True))
    if not rules_:
        return raised
    for unit in AdminUnit.objects.filter(pk__in=unit_ids):
        for rule in rules_:
            rate, denominator = _unit_rate(rules.ALL[rule.indicator], unit, period)
            # The rate when it breaches the rule, None when it does not.
            breach = (
                rate
                if rate is not None and denominator >= rule.min_denominator and rate < float(rule.threshold)
                else None
            )
            open_alert = Alert.objects.filter(
                rule=rule, unit=unit, period=period, cleared_at__isnull=True
            ).first()
            if breach is not None and open_alert is None:
                raised.append(_raise(rule=rule, unit=unit, period=period, rate=breach, now=now))
            elif breach is not None and open_alert is not None and open_alert.rate != breach:
                # The open alert shows the rate the scorecard and the ranking show now, not the first one.
                open_alert.rate = breach
                open_alert.save(update_fields=["rate"])
            elif breach is None and open_alert is not None:
                open_alert.cleared_at = now
                open_alert.save(update_fields=["cleared_at"])
                record_event(
                    subject=open_alert,
                    action=ioc_events.ALERT_CLEARED,
                    actor=None,
                    payload={"unit": unit.code, "indicator": rule.indicator, "period": period, "rate": rate},
                )
    return raised


def _raise(*, rule: AlertRule, unit: AdminUnit, period: str, rate: float, now: datetime) -> Alert:
    leaders = [leader.pk for leader in fieldreport_selectors.leaders_of(unit)]
    alert = Alert.objects.create(
        rule=rule, unit=unit, period=period, rate=rate, raised_at=now, notified=leaders
    )
    record_event(
        subject=alert,
        action=ioc_events.ALERT_RAISED,
        actor=None,
        payload={
            "unit": unit.code,
            "indicator": rule.indicator,
            "period": period,
            "rate": round(rate, 4),
            "threshold": str(rule.threshold),
            "notify": leaders,
        },
    )
    return alert
