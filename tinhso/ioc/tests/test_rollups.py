"""Rollups kept from the event log equal a rebuild from scratch, under random sequences of real actions."""

import contextlib
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core import caching
from tinhso.core.errors import DomainError
from tinhso.core.models import Event, StreamHead
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports import services as report_services
from tinhso.fieldreports.models import Report
from tinhso.ioc import rules, services
from tinhso.ioc.models import Counter, CounterTotal, DossierFact, ReportFact
from tinhso.ioc.tests.helpers import accept, act, finish, submit
from tinhso.testing.fieldreport_helpers import case, file_report

DOSSIER_ACTIONS = (
    "submit_online",
    "submit_desk",
    "accept",
    "forward",
    "finish",
    "supplement",
    "answer",
    "withdraw",
    "refuse",
    "stop",
    "return",
    "rate",
    "request_payment",
    "confirm_payment",
    *["advance"] * 8,  # the next usual step, so that many dossiers get far in their lifecycle
)
REPORT_ACTIONS = (
    *["advance"] * 6,
    "file",
    "acknowledge",
    "resolve",
    "publish",
    "send_back",
    "rate_bad",
    "rate_good",
    "reject",
    "reroute",
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("dossier"), st.sampled_from(DOSSIER_ACTIONS), st.integers(0, 5)),
        st.tuples(st.just("report"), st.sampled_from(REPORT_ACTIONS), st.integers(0, 5)),
        st.tuples(st.just("wait"), st.sampled_from(["hours", "days", "month"]), st.integers(1, 9)),
        st.tuples(st.just("consume"), st.just(""), st.just(0)),
    ),
    min_size=5,
    max_size=40,
)


def snapshot() -> tuple:
    counters = sorted(Counter.objects.values_list("unit_id", "sector", "period", "metric", "value"))
    totals = sorted(CounterTotal.objects.values_list("unit_id", "period", "metric", "value"))
    summed: dict[tuple, int] = {}
    for unit_id, _sector, period, metric, value in counters:
        summed[(unit_id, period, metric)] = summed.get((unit_id, period, metric), 0) + value
    assert totals == sorted((*key, value) for key, value in summed.items())  # the totals over every sector
    dossiers = sorted(DossierFact.objects.values_list("dossier_id", "applied_seq", "contributions"))
    reports = sorted(ReportFact.objects.values_list("report_id", "applied_seq", "contributions", "unit_id"))
    return counters, dossiers, reports


def _dossier_step(cast, action: str, pick: int) -> None:
    if action in ("submit_online", "submit_desk"):
        submit(cast, online=action == "submit_online")
        return
    dossiers = list(Dossier.objects.order_by("-pk")[:6])  # the recent ones, still moving through their states
    if not dossiers:
        return
    dossier = dossiers[pick % len(dossiers)]
    s = dossier_services
    if action == "advance":
        action = {1: "accept", 2: "forward", 4: "finish", 9: "return", 10: "rate"}.get(
            dossier.status, "answer"
        )
    calls = {
        "accept": lambda: act(dossier, s.accept, cast.desk),
        "forward": lambda: act(dossier, s.forward, cast.desk),
        "finish": lambda: finish(cast, dossier),
        "supplement": lambda: act(dossier, s.request_supplement, cast.specialist, reason="Bổ sung giấy tờ."),
        "answer": lambda: act(dossier, s.answer_supplement, cast.an),
        "withdraw": lambda: act(dossier, s.withdraw, cast.an, reason="Không còn nhu cầu."),
        "refuse": lambda: act(dossier, s.refuse, cast.desk, reason="Hồ sơ không đúng thẩm quyền."),
        "stop": lambda: act(dossier, s.stop, cast.leader, reason="Người nộp không bổ sung."),
        "return": lambda: act(dossier, s.return_result, cast.desk),
        "rate": lambda: act(dossier, s.rate, cast.an, rating=1 + pick % 3),
        "request_payment": lambda: act(dossier, s.request_payment, cast.specialist, amount=200_000),
        "confirm_payment": lambda: act(dossier, s.confirm_payment, cast.desk, receipt="BL-2026-000123"),
    }
    calls[action]()


def _report_step(staff, action: str, pick: int) -> None:
    if action == "file":
        file_report()
        return
    reports = list(Report.objects.order_by("-pk")[:6])
    if not reports:
        return
    report = Report.objects.get(pk=reports[pick % len(reports)].pk)
    s = report_services
    if action == "advance":
        usual = {
            "routed": "acknowledge",
            "acknowledged": "resolve",
            "resolved": "publish",
            "reopened": "acknowledge",
        }
        action = usual.get(report.status, "rate_good" if pick % 2 else "rate_bad")
    calls = {
        "acknowledge": lambda: s.acknowledge_report(actor=staff["handler"], **case(report)),
        "resolve": lambda: s.post_result(actor=staff["handler"], **case(report), result="Đã vá ổ gà."),
        "publish": lambda: s.approve_result(actor=staff["coordinator"], **case(report)),
        "send_back": lambda: s.send_back_result(
            actor=staff["coordinator"], **case(report), reason="Chưa có ảnh."
        ),
        "rate_bad": lambda: s.rate_report(
            actor=None, **case(report), contact=report.reporter_phone, satisfied=False
        ),
        "rate_good": lambda: s.rate_report(
            actor=None, **case(report), contact=report.reporter_phone, satisfied=True
        ),
        "reject": lambda: s.reject_report(
            actor=staff["coordinator"], **case(report), reason="Không thuộc phạm vi."
        ),
        "reroute": lambda: s.reroute_report(
            actor=staff["coordinator"],
            **case(report),
            unit_code="32025.H12",
            reason="Thuộc phường Tân Thành.",
        ),
    }
    calls[action]()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_rollups_equal_rebuild_under_random_sequences(cast, clock, categories, staff, sequence):
    # Examples share the database; time only moves forward across them, as it does for the records.
    for kind, action, number in sequence:
        if kind == "wait":
            clock.now += {
                "hours": timedelta(hours=number),
                "days": timedelta(days=number),
                "month": timedelta(days=31),
            }[action]
            continue
        if kind == "consume":
            services.consume_events(now=clock.now)
            continue
        # A refused action (not allowed in the record's current state) writes nothing.
        with contextlib.suppress(DomainError):
            if kind == "dossier":
                _dossier_step(cast, action, number)
            else:
                _report_step(staff, action, number)
    services.consume_events(now=clock.now)
    # The verdict from the events agrees with the dossier's own record of lateness.
    for fact in DossierFact.objects.filter(finished_at__isnull=False):
        supplements = sum(1 for pause in fact.supplements if pause[3:] in ([], ["supplement"]))
        if supplements <= 1:
            assert rules.on_time_at(fact, fact.finished_at) == (not Dossier.objects.get(pk=fact.pk).is_late)
    live = snapshot()
    assert services.rebuild_rollups(now=clock.now) > 0 or not Event.objects.exists()
    assert snapshot() == live
    # Applying the whole log again changes nothing: every fact knows the last event it took.
    services.consume_events(now=clock.now)
    assert snapshot() == live


def test_kpi_queries_do_not_grow_with_the_records(cast, clock, province_leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.ioc import selectors
    from tinhso.ioc.periods import parse

    def cost() -> int:
        caching.clear_all()  # each time as a process that kept nothing
        with CaptureQueriesContext(connection) as queries:
            selectors.scorecard(actor=province_leader, period=parse("2026-03"))
            selectors.ranking(actor=province_leader, period=parse("2026-03"), kind="communes")
        return len(queries)

    clock.set(2026, 3, 10, 9)
    submit(cast)
    services.consume_events()
    few = cost()
    for _ in range(12):
        submit(cast, online=False)
    services.consume_events()
    assert cost() == few
    assert few < 40


def test_rebuild_command_recomputes_the_same_numbers(cast, clock):
    from io import StringIO

    from django.core.management import call_command

    clock.set(2026, 3, 10, 9)
    accept(cast, submit(cast))
    submit(cast, online=False)
    services.consume_events()
    live = snapshot()
    Counter.objects.update(value=99)  # damaged rollups
    CounterTotal.objects.update(value=99)
    output = StringIO()
    call_command("rebuild_rollups", stdout=output)
    assert "sự kiện" in output.getvalue()
    assert snapshot() == live


def test_an_event_committed_after_a_later_id_is_still_applied(cast, clock):
    """On PostgreSQL a transaction may commit its lower event id after the consumer read a higher one."""
    clock.set(2026, 3, 10, 9)
    services.consume_events()
    first = submit(cast)
    second = submit(cast)
    slow = Event.objects.get(stream=f"dossiers.dossier:{first.pk}")
    row = {field.attname: getattr(slow, field.attname) for field in Event._meta.concrete_fields}
    slow.delete()  # not yet visible to the consumer
    StreamHead.objects.filter(pk=slow.stream).delete()  # nor its chain's head, written by the same insert
    services.consume_events()
    assert set(DossierFact.objects.values_list("dossier_id", flat=True)) == {second.pk}
    Event.objects.create(**row)  # now it commits
    services.consume_events()
    assert set(DossierFact.objects.values_list("dossier_id", flat=True)) == {first.pk, second.pk}
    received = Counter.objects.filter(period="2026-03", metric="received").values_list("value", flat=True)
    assert list(received) == [2]
    live = snapshot()
    services.rebuild_rollups()
    assert snapshot() == live
