"""The generator writes what the services and the IOC consumer would have written: intact hash chains,
the same facts and counters as a rebuild from the events, and dossiers that the real services, replayed
at the same instants by the same people, bring to the same row and the same events."""

import re
from collections import Counter as Tally
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.catalog import demo as catalog_demo
from tinhso.core.models import Event, StreamHead, User
from tinhso.core.selectors import verify_event_log
from tinhso.core.services import record_event
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.demo import papers
from tinhso.dossiers.models import Channel, Dossier, DossierCounter
from tinhso.fieldreports import demo as fieldreport_demo
from tinhso.fieldreports.models import Report
from tinhso.generator import indexes
from tinhso.generator.services import generate
from tinhso.ioc import services as ioc_services
from tinhso.ioc.models import Counter, CounterTotal, DossierFact, ReportFact

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 20, 16, 0, tzinfo=ZONE)
# Fields a replay through the services must reproduce (the result file's name is the one exception:
# generated dossiers share one sample result file).
COMPARED = (
    "status", "channel", "submitted_at", "acknowledge_due_at", "accepted_at", "promised_at",
    "original_promised_at", "finished_at", "returned_at", "closed_at", "current_step_id", "current_unit_id",
    "step_started_at", "step_due_at", "overdue_flagged_at", "paused_at", "paused_status", "paused_total",
    "rating", "version", "receiving_unit_id", "authority_unit_id", "form_data",
)  # fmt: skip


@pytest.fixture
def history(db) -> int:
    """Generated history on top of the demo's own field reports; returns how many reports were there."""
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)
    demo_reports = Report.objects.count()
    generate(dossiers=400, reports=60, months=3, seed=7, now=NOW, batch_size=150)
    return demo_reports


def counters() -> dict:
    counted = {(c.unit_id, c.sector, c.period, c.metric): c.value for c in Counter.objects.all()}
    totals = {(c.unit_id, "*", c.period, c.metric): c.value for c in CounterTotal.objects.all()}
    return counted | totals


def facts() -> tuple[dict, dict]:
    dossiers = {
        f.dossier_id: (
            f.unit_id,
            f.status,
            f.deadline,
            f.ended_at,
            f.supplements,
            f.rated_at,
            f.contributions,
        )
        for f in DossierFact.objects.all()
    }
    reports = {
        f.report_id: (f.unit_id, f.category, f.due_at, f.closed_at, f.satisfied, f.contributions)
        for f in ReportFact.objects.all()
    }
    return dossiers, reports


def test_counts_chains_and_rollups_hold(history) -> None:
    assert Dossier.objects.count() == 400
    assert Report.objects.count() == history + 60
    assert verify_event_log() == []
    generated_counters, generated_facts = counters(), facts()
    assert len(generated_facts[0]) == 400 and len(generated_facts[1]) == history + 60
    assert sum(generated_counters.values()) > 0

    ioc_services.rebuild_rollups(now=NOW)

    assert counters() == generated_counters
    assert facts() == generated_facts


def test_every_chain_has_its_head_after_a_run_and_the_next_write_follows_it(history) -> None:
    """On PostgreSQL the run skips the log's trigger (with the foreign keys') and writes the heads itself."""
    last: dict[str, tuple[int, str]] = {}
    for stream, seq, digest in Event.objects.order_by("stream", "seq").values_list("stream", "seq", "hash"):
        last[stream] = (seq, digest)
    assert {head.stream: (head.seq, head.hash) for head in StreamHead.objects.all()} == last
    dossier = Dossier.objects.order_by("pk").first()
    assert dossier is not None
    seq, digest = last[f"dossiers.dossier:{dossier.pk}"]

    with transaction.atomic():
        event = record_event(subject=dossier, action="test.step", actor=None)

    assert (event.seq, event.prev_hash) == (seq + 1, digest)
    assert verify_event_log() == []


def test_history_is_varied_and_numbered_like_the_desks(history) -> None:
    statuses = Tally(Dossier.objects.values_list("status", flat=True))
    assert statuses[10] > 250  # most dossiers of the past months are returned
    assert set(statuses) - {10}, statuses  # and some are refused, withdrawn, stopped or still open
    assert {Channel.ONLINE, Channel.IN_PERSON} <= set(Dossier.objects.values_list("channel", flat=True))
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"dossier.accepted", "dossier.forwarded", "dossier.finished", "dossier.rated"} <= actions
    assert {"fieldreport.routed", "fieldreport.published"} <= actions
    numbers: dict[tuple[int, str], list[int]] = {}
    for dossier in Dossier.objects.select_related("receiving_unit"):
        match = re.fullmatch(
            rf"{re.escape(str(dossier.receiving_unit.agency_code))}-(\d{{6}})-(\d{{4}})", dossier.code
        )
        assert match, dossier.code
        assert match[1] == f"{timezone.localtime(dossier.submitted_at):%y%m%d}"
        numbers.setdefault((dossier.receiving_unit_id, match[1]), []).append(int(match[2]))
    for (unit, day), sequence in numbers.items():
        assert sorted(sequence) == list(range(1, len(sequence) + 1))
        counter = DossierCounter.objects.get(unit_id=unit, day=datetime.strptime(day, "%y%m%d").date())
        assert counter.last == len(sequence)  # the next real submission that day continues the numbering


class Replay:
    """Plays a generated dossier's events again through the real services, at the same instants."""

    def __init__(self, monkeypatch) -> None:
        self.now = NOW
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def run(self, original: Dossier) -> Dossier:
        events = list(Event.objects.filter(stream=f"dossiers.dossier:{original.pk}").order_by("seq"))
        first = events[0]
        self.now = first.occurred_at
        assert first.actor_id is not None  # a person submits, never the system
        actor = User.objects.get(pk=first.actor_id)
        receiving = original.receiving_unit.code
        dossier, _ = dossier_services.submit_dossier(
            actor=actor,
            procedure_code=original.procedure.code,
            form_data=original.form_data,
            receiving_unit_code=receiving if original.procedure.level == "commune" else None,
            authority_unit_code=original.authority_unit.code
            if original.procedure.level == "commune"
            else None,
            channel=None if actor.is_citizen else original.channel,
            applicant_citizen_id=None if actor.is_citizen else original.applicant.citizen_id,
            documents=papers(original.procedure.code),
        )
        for event in events[1:]:
            self.now = event.occurred_at
            dossier = self._act(dossier, event)
        return dossier

    def _act(self, dossier: Dossier, event: Event) -> Dossier:
        action, payload = event.action.removeprefix("dossier."), event.payload
        if action == "overdue":
            dossier_services.flag_overdue_dossiers(now=self.now)
            return Dossier.objects.get(pk=dossier.pk)
        service, arguments = getattr(dossier_services, SERVICES[action]), {}
        if action in ("refused", "supplement_requested", "withdrawn", "stopped", "apologized"):
            arguments["reason"] = payload["reason"]
        if action == "apologized":
            arguments["new_promised_at"] = datetime.fromisoformat(payload["promised_at"])
        if action == "finished":
            arguments["result_file"] = ContentFile(b"%PDF-1.7\n%%EOF\n", "ket-qua.pdf")
        if action == "rated":
            arguments["rating"] = payload["rating"]
        assert event.actor_id is not None  # every replayed transition is a person's
        actor = User.objects.get(pk=event.actor_id)
        return service(actor=actor, code=dossier.code, version=dossier.version, **arguments)


SERVICES = {
    "accepted": "accept",
    "refused": "refuse",
    "supplement_requested": "request_supplement",
    "supplement_answered": "answer_supplement",
    "withdrawn": "withdraw",
    "forwarded": "forward",
    "stopped": "stop",
    "apologized": "apologize",
    "finished": "finish",
    "returned": "return_result",
    "rated": "rate",
}


def _story(dossier: Dossier) -> tuple[str, ...]:
    return tuple(
        Event.objects.filter(stream=f"dossiers.dossier:{dossier.pk}")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _events(dossier: Dossier) -> list[tuple]:
    rows = Event.objects.filter(stream=f"dossiers.dossier:{dossier.pk}").order_by("seq")
    return [
        (
            e.action,
            e.actor_id,
            e.occurred_at,
            {k: v for k, v in e.payload.items() if k not in ("code", "notify")},
        )
        for e in rows
    ]


def test_services_replayed_at_the_same_instants_write_the_same_dossier_and_events(
    history, monkeypatch, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    one_of_each: dict[tuple[str, ...], Dossier] = {}
    for dossier in Dossier.objects.select_related(
        "procedure", "receiving_unit", "authority_unit", "applicant"
    ):
        one_of_each.setdefault(_story(dossier), dossier)
    assert len(one_of_each) >= 6, list(one_of_each)
    replay = Replay(monkeypatch)
    for story, original in one_of_each.items():
        replayed = replay.run(original)
        replayed.refresh_from_db()
        for name in COMPARED:
            assert getattr(replayed, name) == getattr(original, name), (story, name)
        assert _events(replayed) == _events(original), story


def test_command_reports_and_refuses_bad_input(db) -> None:
    catalog_demo.load_demo(with_accounts=False)
    with pytest.raises(CommandError, match="Chưa có lĩnh vực phản ánh"):
        call_command("gen", "--dossiers", "30", "--reports", "5", stdout=StringIO())
    fieldreport_demo.load_demo(with_accounts=False)
    out = StringIO()
    call_command("gen", "--dossiers", "30", "--reports", "5", "--months", "1", stdout=out)
    assert "Xong: 30 hồ sơ, 5 phản ánh" in out.getvalue()
    with pytest.raises(CommandError, match="không được âm"):
        call_command("gen", "--dossiers", "-1", stdout=StringIO())


def test_the_loaded_tables_are_analysed_at_the_end(db) -> None:
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)
    with CaptureQueriesContext(connection) as queries:
        generate(dossiers=20, reports=5, months=1, seed=3, now=NOW)
    analysed = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("ANALYZE")]
    assert analysed == [
        f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}" for model in indexes.LOADED
    ]


def test_refuses_a_production_database(db, settings) -> None:
    settings.TINHSO_ENV = "production"
    with pytest.raises(CommandError, match="TINHSO_ENV=production"):
        call_command("gen", "--dossiers", "10", stdout=StringIO())
