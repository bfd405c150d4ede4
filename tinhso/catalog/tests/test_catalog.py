"""The catalog: demo procedures, versioning, the internal-process rule, search and the API."""

import json
from decimal import Decimal

import pytest

from tinhso.catalog import demo, selectors
from tinhso.catalog.models import Bundle, Procedure
from tinhso.core.errors import Forbidden, InvalidInput, NotFound
from tinhso.core.models import Role
from tinhso.testing.catalog import republish
from tinhso.testing.factories import official

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> None:
    demo.load_demo(with_accounts=False)


def test_the_demo_has_thirty_real_procedures_whose_steps_add_up_to_the_legal_time(catalog):
    procedures = list(Procedure.objects.filter(is_current=True).prefetch_related("steps"))
    assert len(procedures) >= 30
    for procedure in procedures:
        assert sum(step.hours for step in procedure.steps.all()) == procedure.legal_hours, procedure.code
    birth = selectors.procedure_by_code("1.001193")
    assert birth.name == "Đăng ký khai sinh" and birth.level == Procedure.Level.COMMUNE
    record = Procedure.objects.get(name__startswith="Cấp Phiếu lý lịch tư pháp cho công dân")
    assert record.processing_days == 10 and record.authority.code == "000.00.15.H12"
    assert [item.procedure_code for item in Bundle.objects.get(code="LT-KHAISINH").items.all()] == [
        "1.001193",
        "1.004222",
        "H12-BHYT-01",
    ]


def test_loading_the_demo_twice_changes_nothing(catalog):
    count = Procedure.objects.count()
    demo.load_demo(with_accounts=False)
    assert Procedure.objects.count() == count


def test_publishing_a_change_makes_a_new_version_and_keeps_the_old_one_intact(catalog):
    first = selectors.procedure_by_code("1.004873")
    second = republish(first, processing_days=2, steps=demo.step_plan(Decimal("15.00")))
    first.refresh_from_db()
    assert (first.version, first.is_current, first.processing_days) == (1, False, 3)
    assert (second.version, second.is_current, second.processing_days) == (2, True, 2)
    assert sum(step.hours for step in first.steps.all()) == Decimal("22.50")
    assert selectors.procedure_by_code("1.004873").pk == second.pk
    assert selectors.procedure_by_code("1.004873", version=1).pk == first.pk


def test_the_current_version_for_a_submission_is_asked_of_the_database_and_each_version_kept(catalog):
    first = selectors.current_procedure("1.004873")
    assert selectors.current_procedure("1.004873") is first  # the version itself comes from the cache
    second = republish(first, processing_days=2, steps=demo.step_plan(Decimal("15.00")))
    assert selectors.current_procedure("1.004873").pk == second.pk
    # Another process switching back leaves no signal here: the query for the current version sees it.
    Procedure.objects.filter(pk=second.pk).update(is_current=False)
    Procedure.objects.filter(pk=first.pk).update(is_current=True)
    assert selectors.current_procedure("1.004873").pk == first.pk
    Procedure.objects.filter(code="1.004873").update(is_current=False)
    with pytest.raises(NotFound):
        selectors.current_procedure("1.004873")


def test_the_version_last_seen_current_is_reused_for_a_moment_without_asking(
    catalog, django_assert_num_queries, monkeypatch
):
    first = selectors.current_procedure("1.004873")
    with django_assert_num_queries(0):
        assert selectors.last_seen_procedure("1.004873") is first
    monkeypatch.setattr(selectors, "LAST_SEEN_SECONDS", 0.0)
    with django_assert_num_queries(1):  # asked again, and the version itself still comes from the cache
        assert selectors.last_seen_procedure("1.004873") is first


def test_steps_that_do_not_add_up_to_the_legal_time_are_refused(catalog):
    procedure = selectors.procedure_by_code("1.004873")
    with pytest.raises(InvalidInput) as refused:
        republish(procedure, processing_days=5)
    assert "phải bằng thời hạn giải quyết (37.5 giờ làm việc)" in refused.value.errors["steps"][0]
    assert Procedure.objects.filter(code="1.004873").count() == 1


def test_a_form_that_is_not_json_schema_is_refused(catalog):
    procedure = selectors.procedure_by_code("1.004873")
    with pytest.raises(InvalidInput) as refused:
        republish(procedure, form_schema={"type": "object", "properties": {"x": {"type": "chuỗi"}}})
    assert "form_schema" in refused.value.errors


@pytest.mark.parametrize("fee", [Decimal(10**12), Decimal("-1"), Decimal("1.5"), Decimal("Infinity")])
def test_a_fee_out_of_range_is_refused_beside_its_field(catalog, fee):
    procedure = selectors.procedure_by_code("1.004873")
    with pytest.raises(InvalidInput) as refused:
        republish(procedure, fee=fee)
    assert "999.999.999.999 đồng" in refused.value.errors["fee"][0]
    assert Procedure.objects.filter(code="1.004873").count() == 1


def test_only_an_administrator_publishes(catalog):
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"))
    with pytest.raises(Forbidden):
        republish(selectors.procedure_by_code("1.004873"), actor=specialist)
    admin = official("quantri", (Role.ADMINISTRATOR, "96"))
    assert republish(selectors.procedure_by_code("1.004873"), actor=admin).published_by == admin


def test_search_ignores_diacritics_and_finds_codes(catalog):
    names = [p.name for p in selectors.search_procedures(query="dang ky khai sinh")]
    assert "Đăng ký khai sinh" in names and "Đăng ký lại khai sinh" in names
    assert [p.name for p in selectors.search_procedures(query="1.001193")] == ["Đăng ký khai sinh"]
    assert {p.sector for p in selectors.search_procedures(sector="Chứng thực")} == {"Chứng thực"}


def test_the_api_searches_with_pages_and_shows_one_procedure(client, catalog):
    page = client.get("/api/v1/catalog/procedures", {"q": "khai sinh"}).json()
    assert page["count"] >= 3 and {"code", "name", "online_level"} <= set(page["items"][0])
    everything = client.get("/api/v1/catalog/procedures").json()
    assert everything["count"] >= 30 and len(everything["items"]) == 20
    birth = client.get("/api/v1/catalog/procedures/1.001193").json()
    assert birth["cutoff_time"] == "15:00:00" and birth["form_schema"]["type"] == "object"
    assert birth["documents"][0]["name"].startswith("Giấy chứng sinh")
    assert [step["role"] for step in birth["steps"]] == [
        "receptionist",
        "specialist",
        "unit_leader",
        "receptionist",
    ]
    assert client.get("/api/v1/catalog/procedures", {"page": 2}).json()["items"] != everything["items"]
    # A page number whose OFFSET would overflow the database's integers is refused as invalid, not a 500.
    beyond = client.get("/api/v1/catalog/procedures", {"page": 2443670550302106471890944})
    assert beyond.status_code == 422 and beyond.json()["code"] == "validation_error"
    assert "page" in beyond.json()["errors"]
    missing = client.get("/api/v1/catalog/procedures/9.999999")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert json.loads(missing.content)["code"] == "procedure_not_found"
