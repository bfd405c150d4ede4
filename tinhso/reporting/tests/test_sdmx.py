"""SDMX 2.1 REST read by the real client from PyPI (sdmx1) against the live server: only approved, public
values; structure queries with references=all; data by key and period; SDMX-CSV."""

import pytest
import sdmx
from django.utils import timezone

from tinhso.reporting import services
from tinhso.reporting.models import Submission, ValueBlock

from .conftest import FINANCE, JUSTICE

pytestmark = pytest.mark.django_db(transaction=True)
FLOW = "KTXH-THANG"
FINANCE_ID = FINANCE.replace(".", "_")


def _approved(regime, cast, unit, officer, period, **values):
    services.save_values(actor=officer, regime_code=regime, period_id=period, unit_code=unit,
                         cells=[services.Cell(code, value) for code, value in values.items()])  # fmt: skip
    submission = Submission.objects.get(unit__code=unit, period=period)
    submission = services.submit(actor=officer, submission_id=submission.pk, version=submission.version)
    submission = services.accept(actor=cast.leader, submission_id=submission.pk, version=submission.version)
    approved = services.approve(actor=cast.leader, submission_id=submission.pk, version=submission.version)
    services.fold_totals()  # as the job queued by the approval's commit
    return approved


@pytest.fixture(autouse=True)
def _units(reference_data):
    """The database is emptied after each of these tests: the units come back first."""


@pytest.fixture
def published(regime, cast, clock):
    clock.set(2026, 2, 16)
    _approved(regime, cast, FINANCE, cast.finance, "2026M02", BLHH="410,5", DNMOI="15")
    clock.set(2026, 3, 16)
    _approved(regime, cast, FINANCE, cast.finance, "2026M03", BLHH="430", DNMOI="17")
    _approved(regime, cast, JUSTICE, cast.justice, "2026M03", DNMOI="3")
    # Submitted but not approved, and approved but not public: neither is published.
    services.save_values(actor=cast.commune, regime_code=regime, period_id="2026M03", unit_code="32002.H12",
                         cells=[services.Cell("DNMOI", "99")])  # fmt: skip
    ValueBlock.objects.filter(submission__unit__code=JUSTICE).update(public=False)
    return regime


@pytest.fixture
def client_of(live_server):
    sdmx.add_source({"id": "TINHSO", "url": f"{live_server.url}/sdmx/rest", "name": "Tỉnh số"}, override=True)
    client = sdmx.Client("TINHSO")
    yield client
    client.session.close()  # a kept-alive connection would hold a server thread, and its database session


def test_the_client_lists_the_flows_and_reads_approved_numbers(published, client_of, monkeypatch):
    monkeypatch.undo()  # the live server runs on the real clock
    flows = client_of.dataflow()
    assert FLOW in flows.dataflow
    message = client_of.data(
        FLOW, key={"REF_AREA": FINANCE_ID, "INDICATOR": "BLHH"}, params={"startPeriod": "2026-02"}
    )
    series = sdmx.to_pandas(message)
    values = {index[-1]: value for index, value in series.items()}
    assert values == {"2026-M02": 410.5, "2026-M03": 430.0}
    everything = sdmx.to_pandas(client_of.data(FLOW, key={"INDICATOR": "DNMOI"}))
    areas = {index[1]: value for index, value in everything.items() if index[-1] == "2026-M03"}
    assert areas == {FINANCE_ID: 17.0, "96": 20.0}  # the province: finance 17 + justice 3, kept on approval


def test_period_bounds_last_observations_and_csv(published, client, live_server):
    reply = client.get(
        f"/sdmx/rest/data/{FLOW}/M.{FINANCE_ID}.DNMOI.PERIOD",
        {"endPeriod": "2026-02"},
        HTTP_ACCEPT="application/vnd.sdmx.data+csv",
    )
    lines = reply.content.decode().splitlines()
    assert lines[0].startswith("DATAFLOW,FREQ,REF_AREA,INDICATOR,VALUE_KIND,TIME_PERIOD,OBS_VALUE,OBS_STATUS")
    assert len(lines) == 2 and ",2026-M02,15," in lines[1] and "2026-01-15,2026-02-14" in lines[1]
    last = client.get(
        f"/sdmx/rest/data/{FLOW}/M.{FINANCE_ID}.DNMOI.PERIOD", {"lastNObservations": "1", "format": "csv"}
    )
    assert ",2026-M03,17," in last.content.decode() and "2026-M02" not in last.content.decode()
    none = client.get(f"/sdmx/rest/data/{FLOW}/M.31825..PERIOD")
    assert none.status_code == 404 and b'code="100"' in none.content
    assert client.get("/sdmx/rest/data/KHONGCO").status_code == 404
    assert client.get(f"/sdmx/rest/data/{FLOW}", {"startPeriod": "mai"}).status_code == 400
    later = client.get(
        f"/sdmx/rest/data/{FLOW}", {"updatedAfter": timezone.now().isoformat(), "format": "csv"}
    )
    assert later.status_code == 404


def test_structure_queries_with_references(published, client):
    codelist = client.get("/sdmx/rest/codelist/TINHSO/CL_INDICATOR/latest").content.decode()
    assert 'id="BLHH"' in codelist and "Dataflow" not in codelist
    everything = client.get(
        f"/sdmx/rest/dataflow/TINHSO/{FLOW}/latest", {"references": "all"}
    ).content.decode()
    assert all(
        part in everything for part in ("DataStructure ", "Codelist ", "ConceptScheme ", 'id="OBS_STATUS"')
    )
    assert client.get("/sdmx/rest/conceptscheme/TINHSO/CS_TINHSO/latest").status_code == 200
    assert client.get("/sdmx/rest/categoryscheme/").status_code == 501


@pytest.fixture
def statistical(published, settings):
    """A statistical regime on calendar periods beside the Decree 09 one: February is 01/02-28/02 there."""
    services.define_regime(
        actor=None, code="TK-DNMOI", reporters=[FINANCE], title="Doanh nghiệp đăng ký thành lập mới (thống kê)",
        kind="periodic", content="Số doanh nghiệp đăng ký thành lập mới trong tháng", recipient=settings.TINHSO_PROVINCE_GSO_CODE,
        channels=["system"], cutoff_mode="calendar", frequency="M", outline=[{"code": "1", "title": "Đánh giá"}],
        deadline_rules=[{"level": "Sở, ngành", "kind": "working_days", "value": 3}],
        legal_basis="Luật Thống kê 89/2015/QH13 ngày 23/11/2015",
    )  # fmt: skip
    services.define_form(
        actor=None, regime_code="TK-DNMOI", code="01/TK", title="Doanh nghiệp", rows=[("", "DNMOI")]
    )
    services.activate_regime(actor=None, code="TK-DNMOI")
    services.import_history(actor=None, regime_code="TK-DNMOI", period_id="2026M02", unit_code=FINANCE,
                            values={"DNMOI": "21"}, reason="Cục Thống kê, số liệu tháng 02/2026")  # fmt: skip
    return "TK-DNMOI"


def test_a_statistical_regime_publishes_calendar_periods_and_says_so(
    statistical, client_of, client, monkeypatch
):
    def csv_of(flow, **query):
        return client.get(f"/sdmx/rest/data/{flow}/M.{FINANCE_ID}.DNMOI.PERIOD", {**query, "format": "csv"})

    calendar = csv_of(statistical).content.decode()
    assert ",2026-M02,21," in calendar and "2026-02-01,2026-02-28" in calendar
    # A day as endPeriod is compared with each period's own days: Decree 09's March began on 15/02.
    assert "2026-M03" in csv_of(FLOW, endPeriod="2026-02-20").content.decode()
    assert csv_of(statistical, startPeriod="2026-03-01").status_code == 404
    monkeypatch.undo()  # the live server runs on the real clock
    flows = client_of.dataflow().dataflow
    assert flows[statistical].get_annotation(id="CUTOFF_MODE").title == "calendar"
    assert flows[FLOW].get_annotation(id="CUTOFF_MODE").title == "decree09"
    series = sdmx.to_pandas(client_of.data(statistical, key={"REF_AREA": FINANCE_ID}))
    assert {index[-1]: value for index, value in series.items()} == {"2026-M02": 21.0}
