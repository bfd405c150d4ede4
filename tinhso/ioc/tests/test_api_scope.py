"""The API under /api/v1/ioc: every KPI for the leaders, scoped to their units, 403 problem+json for others."""

import pytest
from django.utils.dateparse import parse_datetime

from tinhso.ioc.models import ConsumerState
from tinhso.testing.dossiers import AN_XUYEN
from tinhso.testing.factories import bearer

URL = "/api/v1/ioc"


def test_province_leader_gets_the_province_scorecard(client, march, province_leader):
    response = client.get(f"{URL}/kpis", {"period": "2026-03"}, **bearer("lanhdaotinh"))
    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == "96" and body["period"] == "2026-03"
    progress = next(item for item in body["indicators"] if item["code"] == "2.1")
    assert (progress["numerator"], progress["denominator"], progress["points"]) == (3, 5, 12.0)
    unsynced = next(item for item in body["indicators"] if item["code"] == "1.4")
    assert unsynced["computable"] is False and unsynced["reason"]
    assert {item["code"] for item in body["field_reports"]} == {"PA.1", "PA.2", "PA.3", "PA.4", "PA.5"}


def test_records_ranking_trend_and_map(client, march, province_leader):
    headers = bearer("lanhdaotinh")
    records = client.get(f"{URL}/records", {"indicator": "2.1", "period": "2026-03"}, **headers).json()
    assert records["total"] == 5
    assert {row["code"] for row in records["records"]} == {d.code for d in march.values()}
    ranking = client.get(f"{URL}/ranking", {"period": "2026-03"}, **headers).json()
    justice = next(row for row in ranking if row["unit"] == "000.00.15.H12")
    assert justice["on_time_rate"] == pytest.approx(0.6) and justice["received"] == 5
    assert ranking[0]["score"] >= ranking[-1]["score"]
    communes = client.get(f"{URL}/ranking", {"period": "2026-03", "kind": "communes"}, **headers).json()
    assert len(communes) > 50 and all(row["received"] == 0 for row in communes)
    trend = client.get(f"{URL}/trend", {"period": "2026-03"}, **headers).json()
    assert len(trend) == 12 and trend[-1]["period"] == "2026-03" and trend[-1]["received"] == 5
    area = client.get(f"{URL}/map", {"period": "2026-03", "indicator": "3.2"}, **headers).json()
    assert area["indicator"] == "3.2" and all(c["latitude"] for c in area["communes"])


def test_unit_leader_sees_only_their_units(client, march, cast):
    headers = bearer(cast.commune_leader.username)
    own = client.get(f"{URL}/kpis", {"period": "2026-03"}, **headers)
    assert own.status_code == 200
    assert own.json()["unit"] == f"{AN_XUYEN}"
    progress = next(item for item in own.json()["indicators"] if item["code"] == "2.1")
    assert progress["denominator"] == 0  # the Department of Justice's dossiers are not the commune's
    for unit in ("96", "000.00.15.H12", "32065.H12"):
        refused = client.get(f"{URL}/kpis", {"unit": unit}, **headers)
        assert refused.status_code == 403
        assert refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "ioc_unit_forbidden"
    records = client.get(f"{URL}/records", {"indicator": "2.1", "unit": "000.00.15.H12"}, **headers)
    assert records.status_code == 403
    justice = client.get(f"{URL}/kpis", {"period": "2026-03"}, **bearer(cast.leader.username)).json()
    assert justice["unit"] == "000.00.15.H12"
    assert next(i for i in justice["indicators"] if i["code"] == "2.1")["denominator"] == 5


def test_others_get_403_problem_json(client, march, cast):
    for user in (cast.an, cast.specialist, cast.desk):
        client.force_login(user)
        response = client.get(f"{URL}/kpis")
        assert response.status_code == 403, user
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "ioc_forbidden"
    client.logout()
    assert client.get(f"{URL}/kpis").status_code == 401


def test_bad_period_is_a_named_error(client, province_leader):
    response = client.get(f"{URL}/kpis", {"period": "2026-13"}, **bearer("lanhdaotinh"))
    assert response.status_code == 422
    assert "period" in response.json()["errors"]


def test_status_says_how_far_the_rollups_have_read(client, march, province_leader):
    state = ConsumerState.objects.get()
    body = client.get(f"{URL}/status", **bearer("lanhdaotinh")).json()
    assert body["last_event_id"] == state.last_event_id > 0
    assert parse_datetime(body["data_as_of"]) == state.updated_at
