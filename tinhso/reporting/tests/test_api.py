"""The JSON API: dataValueSets import summaries, a report with its checks, lifecycle actions, problems."""

import json

import pytest

from tinhso.testing.factories import bearer

from .conftest import JUSTICE

pytestmark = pytest.mark.django_db
URL = "/api/v1/reporting/dataValueSets"


def _post(client, user, url, body, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        f"{url}?{query}", json.dumps(body), content_type="application/json", **bearer(user.username)
    )


def _values(**values):
    return {
        "regime": "KTXH-THANG",
        "dataValues": [
            {"indicator": k, "period": "2026M03", "unit": JUSTICE, "value": v} for k, v in values.items()
        ],
    }


def test_import_dry_run_then_real_then_idempotent(client, regime, cast):
    dry = _post(client, cast.justice, URL, _values(DNMOI="12", HSTN="3"), dryRun="true").json()
    assert dry["status"] == "SUCCESS" and dry["dryRun"] and dry["importCount"]["imported"] == 2
    real = _post(client, cast.justice, URL, _values(DNMOI="12", HSTN="3")).json()
    assert real["importCount"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    again = _post(client, cast.justice, URL, _values(DNMOI="12", HSTN="3")).json()
    assert again["importCount"]["ignored"] == 2


def test_a_bad_row_is_named_and_nothing_is_written(client, regime, cast):
    reply = _post(client, cast.justice, URL, _values(DNMOI="12", HSTN="ba")).json()
    assert reply["status"] == "ERROR" and reply["rejectedIndexes"] == [1]
    assert reply["conflicts"][0]["errorCode"] == "not_a_number"
    shown = client.get(
        f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{JUSTICE}", **bearer(cast.justice.username)
    )
    assert shown.status_code == 404 and shown["Content-Type"] == "application/problem+json"


def test_report_checks_and_actions(client, regime, cast):
    _post(client, cast.justice, URL, _values(DNMOI="12", HSTN="3", HSTT="1", HSDH="2"))
    url = f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{JUSTICE}"
    report = client.get(url, **bearer(cast.justice.username)).json()
    assert report["actions"] == ["submit"] and report["values"]["DNMOI"]["ytd"] == "12.0000"
    assert {c["indicator"]: c["status"] for c in report["crosschecks"]}["HSTN"] == "not_derivable"
    sent = _post(client, cast.justice, url + "/submit", {"version": report["version"]}).json()
    assert sent["status"] == "submitted"
    refused = _post(client, cast.justice, url + "/approve", {"version": sent["version"]})
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    stale = _post(client, cast.leader, url + "/accept", {"version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    unknown = _post(client, cast.leader, url + "/publish", {"version": sent["version"]})
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (URL, {"regime": "KTXH-THANG", "dataValues": [{"indicator": "X" * 41, "period": "2026M03", "unit": JUSTICE}]}, "indicator"),
        (URL, {"regime": "KTXH-THANG", "dataValues": [{"indicator": "DNMOI", "period": "2026M03", "unit": JUSTICE, "comment": "x" * 2001}]}, "comment"),
        (URL, {"regime": "KTXH-THANG", "dataValues": [{"indicator": "DNMOI", "period": "2026M03", "unit": JUSTICE}] * 10_001}, "dataValues"),
        (f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{JUSTICE}/submit", {"version": -1}, "version"),
        (f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{JUSTICE}/submit", {"version": 2**31}, "version"),
        (f"/api/v1/reporting/reports/KTXH-THANG/2026M03/{JUSTICE}/explanations", {"subject": "s", "text": "x" * 2001}, "text"),
    ],
)  # fmt: skip
def test_inputs_past_what_a_column_keeps_are_refused_by_name(client, regime, cast, url, body, field):
    reply = _post(client, cast.justice, url, body)
    assert reply.status_code == 422
    assert field in json.dumps(reply.json())


def test_an_unknown_import_strategy_is_refused_at_the_edge(client, regime, cast):
    assert _post(client, cast.justice, URL, _values(DNMOI="1"), importStrategy="MERGE").status_code == 422


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        (b"", 422, {"body": ["Field required"]}),
        (b'{"regime": "KTXH-THANG", "dataValues": [', 400, None),
        (b'{"regime": "KTXH-THANG"}', 422, {"dataValues": ["Field required"]}),
        (b'{"regime": "KTXH-THANG", "dataValues": [{"indicator": "DNMOI", "period": "2026M03"}]}', 422,
         {"dataValues.0.unit": ["Field required"]}),
        (b'{"regime": "KTXH-THANG", "dataValues": [{"indicator": "DNMOI", "period": "2026M03", "unit": "1", '
         b'"value": true}]}', 422, {"dataValues.0.value": ["Expected `int | float | str | null`, got `bool`"]}),
    ],
)  # fmt: skip
def test_a_body_that_does_not_read_or_fit_is_refused_naming_the_field(
    client, regime, cast, body, status, errors
):
    reply = client.post(URL, body, content_type="application/json", **bearer(cast.justice.username))
    assert reply.status_code == status and reply["Content-Type"] == "application/problem+json"
    assert reply.json().get("errors") == errors


def test_the_published_document_states_the_import_body(client):
    document = client.get("/api/v1/openapi.json").json()
    body = document["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert (
        body["required"] == ["regime", "dataValues"]
        and body["properties"]["dataValues"]["maxItems"] == 10_000
    )
    row = body["properties"]["dataValues"]["items"]
    assert (
        row["required"] == ["indicator", "period", "unit"] and row["properties"]["period"]["maxLength"] == 8
    )
