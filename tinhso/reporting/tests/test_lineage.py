"""Lineage as W3C PROV-JSON, observation status and revisions ('as published on date X')."""

import json
from datetime import timedelta

import pytest
from prov.model import ProvDocument

from tinhso.reporting import imports, lineage, selectors, services
from tinhso.reporting.models import ImportBatch, ObsStatus, Submission, ValueRevision
from tinhso.testing.factories import bearer

from .conftest import FINANCE, JUSTICE, one_cell

pytestmark = pytest.mark.django_db


def _save(regime, officer, unit, status, **values):
    cells = [services.Cell(code, value, obs_status=status) for code, value in values.items()]
    services.save_values(actor=officer, regime_code=regime, period_id="2026M03", unit_code=unit, cells=cells)
    return Submission.objects.get(unit__code=unit, period="2026M03")


def _approve(regime, cast, officer, unit, **values):
    submission = _save(regime, officer, unit, "A", **values)
    for step, actor in (("submit", officer), ("accept", cast.leader), ("approve", cast.leader)):
        submission = services.act(
            actor=actor, submission_id=submission.pk, version=submission.version, action=step
        )
    services.fold_totals()  # as the job queued by the approval's commit
    return submission


def test_estimate_preliminary_official_keeps_every_version_and_answers_as_of(regime, cast, clock):
    at = {}
    for status, value, day in (("E", "400", 16), ("P", "412,5", 17), ("A", "415", 18)):
        clock.set(2026, 3, day)
        submission = _save(regime, cast.finance, FINANCE, status, BLHH=value)
        at[status] = clock.now
    revisions = ValueRevision.objects.filter(block__submission=submission).order_by("revision")
    assert [(r.obs_status, format(r.value.normalize(), "f")) for r in revisions] == [
        ("E", "400"),
        ("P", "412.5"),
        ("A", "415"),
    ]
    assert one_cell().obs_status == ObsStatus.OFFICIAL
    assert lineage.as_of(submission, at["P"] + timedelta(hours=1))["BLHH"][:2] == (412.5, "P")
    assert lineage.as_of(submission, at["E"] - timedelta(days=1)) == {}


def test_an_imported_value_answers_as_of_and_lineage_from_its_batch_then_from_its_revisions(
    regime, cast, clock
):
    """An import keeps no revision row per value: its batch stands for revision 1 until the value changes."""
    imported_at = clock.set(2026, 3, 16)
    rows = [{"indicator": "DNMOI", "period": "2026M03", "unit": JUSTICE, "value": "12", "obs_status": "P"}]
    imports.import_values(actor=cast.justice, regime_code=regime, values=rows, reason="từ phần mềm cũ")
    value, batch = one_cell(), ImportBatch.objects.get()
    submission = Submission.objects.get(pk=value.submission_id)
    assert not ValueRevision.objects.exists()
    assert lineage.as_of(submission, imported_at) == {"DNMOI": (12, "P", 1)}
    assert lineage.as_of(submission, imported_at - timedelta(seconds=1)) == {}

    def prov():
        doc = lineage.document(regime=submission.regime, period_id="2026M03", unit=submission.unit)
        return json.loads(doc.serialize(format="json"))

    first, made_by = f"tinhso:value/{value.id}/r1", f"tinhso:event/reporting.importbatch:{batch.pk}/1"
    data = prov()
    assert data["entity"][first]["tinhso:value"] == "12"
    assert data["activity"][made_by]["tinhso:reason"] == "từ phần mềm cũ"
    assert any(
        d["prov:entity"] == first and d["prov:activity"] == made_by for d in data["wasGeneratedBy"].values()
    )
    assert any(d["prov:entity"] == first and d["prov:agent"] == f"tinhso:user/{cast.justice.pk}"
               for d in data["wasAttributedTo"].values())  # fmt: skip
    saved_at = clock.set(2026, 3, 17)
    _save(regime, cast.justice, JUSTICE, "A", DNMOI="13")
    assert lineage.as_of(submission, imported_at) == {"DNMOI": (12, "P", 1)}  # as published before the change
    assert lineage.as_of(submission, saved_at) == {"DNMOI": (13, "A", 2)}
    data = prov()
    assert data["entity"][first]["tinhso:value"] == "12" and first in {
        d["prov:usedEntity"] for d in data["wasDerivedFrom"].values()
    }
    assert any(d["prov:activity"] == made_by for d in data["wasGeneratedBy"].values())


def test_prov_json_round_trips_and_links_every_value(regime, cast, clock):
    _approve(regime, cast, cast.finance, FINANCE, DNMOI="17", BLHH="430")
    clock.set(2026, 3, 17)
    justice = _save(regime, cast.justice, JUSTICE, "P", DNMOI="2")
    _save(regime, cast.justice, JUSTICE, "A", DNMOI="3")
    for step, actor in (("submit", cast.justice), ("accept", cast.leader), ("approve", cast.leader)):
        justice.refresh_from_db()
        services.act(actor=actor, submission_id=justice.pk, version=justice.version, action=step)
    services.fold_totals()  # as the job queued by the approval's commit
    doc = lineage.document(regime=selectors.regime_by_code(regime), period_id="2026M03", unit=justice.unit)
    back = ProvDocument.deserialize(content=doc.serialize(format="json"), format="json")
    assert back == doc
    data = json.loads(doc.serialize(format="json"))
    value = one_cell(submission=justice.pk)
    second = f"tinhso:value/{value.id}/r2"
    assert data["entity"][second]["tinhso:value"] == "3"
    assert any(
        d["prov:generatedEntity"] == second and d["prov:usedEntity"] == f"tinhso:value/{value.id}/r1"
        for d in data["wasDerivedFrom"].values()
    )
    assert any(
        d["prov:entity"] == second and d["prov:agent"] == f"tinhso:user/{cast.justice.pk}"
        for d in data["wasAttributedTo"].values()
    )
    generated = {d["prov:entity"] for d in data["wasGeneratedBy"].values()}
    assert {key for key in data["entity"] if key.startswith("tinhso:value/")} <= generated
    province = lineage.document(
        regime=selectors.regime_by_code(regime), period_id="2026M03", unit=justice.unit.parent
    )
    summed = json.loads(province.serialize(format="json"))
    sources = {d["prov:usedEntity"] for d in summed["wasDerivedFrom"].values()}
    assert second in sources and len(sources) == 3  # DNMOI of both units (the latest revision only), BLHH


def test_lineage_and_as_of_through_the_api(client, regime, cast, clock):
    _approve(regime, cast, cast.finance, FINANCE, DNMOI="17")
    url = f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{FINANCE}"
    reply = client.get(url + "/lineage", **bearer(cast.finance.username))
    assert reply.status_code == 200 and "wasGeneratedBy" in reply.json()
    shown = client.get(url + "/as-of", {"at": clock.now.isoformat()}, **bearer(cast.finance.username)).json()
    assert shown["DNMOI"] == {"value": "17.0000", "obs_status": "A", "revision": 1}
    assert client.get(url + "/lineage", **bearer(cast.justice.username)).status_code == 404


def test_an_approved_report_goes_upward_as_a_signed_package_with_its_hash(
    client, regime, cast, clock, settings, tmp_path, signing_pki
):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.core.errors import Conflict
    from tinhso.core.models import Event

    settings.TINHSO_REPORTING_OUTBOX = tmp_path
    draft = _save(regime, cast.finance, FINANCE, "A", DNMOI="4")
    with pytest.raises(Conflict):
        services.send_upward(actor=cast.leader, submission_id=draft.pk)
    approved = _approve(regime, cast, cast.finance, FINANCE, DNMOI="17")
    province = Submission.objects.create(regime=approved.regime, period="2026M03", unit=approved.unit.parent,
                                         status="approved", revision=1)  # fmt: skip
    digest, location = services.send_upward(actor=cast.leader, submission_id=province.pk)
    body = (tmp_path / location.split("/")[-1]).read_bytes()
    assert hashlib.sha256(body).hexdigest() == digest
    assert json.loads(body)["values"] == [
        {"indicator": "DNMOI", "breakdown": "", "kind": "period", "value": "17", "obs_status": "A"}
    ]
    pdf = (tmp_path / location.split("/")[-1].replace(".json", ".pdf")).read_bytes()
    sent = Event.objects.get(action="reporting.package_sent").payload
    assert sent["sha256"] == digest
    # The PDF handed over is the one the signing service signed: anyone can check it, by upload or by code.
    upload = SimpleUploadedFile("bao-cao.pdf", pdf, content_type="application/pdf")
    checked = client.post("/api/v1/signatures/verify", {"file": upload}).json()
    assert checked["all_valid"] is True and checked["signatures"][0]["intact"] is True
    issued = checked["issued"]
    assert issued["code"] == sent["signature"] and issued["kind"] == "report"
    assert issued["subject"] == "KTXH-THANG_2026M03_96_r1"
    page = client.get(f"/xac-thuc/{sent['signature']}/")
    assert page.status_code == 200 and "KTXH-THANG_2026M03_96_r1" in page.content.decode()


def test_without_a_signing_key_nothing_goes_upward(client, regime, cast, clock, settings, tmp_path):
    from tinhso.core.models import Event

    settings.TINHSO_REPORTING_OUTBOX = tmp_path / "outbox"
    settings.TINHSO_SIGNING_PROFILES = {
        "default": {**settings.TINHSO_SIGNING_PROFILES["default"], "key": str(tmp_path / "missing.p12")}
    }
    approved = _approve(regime, cast, cast.finance, FINANCE, DNMOI="17")

    reply = client.post(f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{FINANCE}/send-upward",
                        **bearer(cast.leader.username))  # fmt: skip

    assert reply.status_code == 409 and reply.json()["code"] == "signing_unavailable"
    assert reply["Content-Type"] == "application/problem+json"
    assert not (tmp_path / "outbox").exists()
    assert not Event.objects.filter(
        action="reporting.package_sent", stream__endswith=str(approved.pk)
    ).exists()
