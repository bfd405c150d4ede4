"""A period outside the years the platform knows is refused (422 on the API, 404 on pages and exports)
instead of a 500 or a trend of months in year 0."""

import pytest

from tinhso.core.errors import InvalidInput
from tinhso.ioc import periods
from tinhso.testing.factories import bearer

OUT_OF_RANGE = ["9999-12", "0000-01", "0001-01", "1899-Q4", "3000"]


@pytest.mark.parametrize("key", OUT_OF_RANGE)
def test_parse_refuses_years_outside_the_range(key):
    with pytest.raises(InvalidInput) as refused:
        periods.parse(key)
    assert list(refused.value.errors) == ["period"]


def test_the_earliest_period_trends_back_into_real_months():
    trend = periods.parse(f"{periods.FIRST_YEAR}-01").previous_months(12)
    assert trend[0].key == f"{periods.FIRST_YEAR - 1}-02" and trend[-1].key == f"{periods.FIRST_YEAR}-01"
    assert periods.parse(f"{periods.LAST_YEAR}-12").end.year == periods.LAST_YEAR + 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", OUT_OF_RANGE)
def test_the_api_answers_422_for_every_ioc_operation(client, province_leader, key):
    headers = bearer("lanhdaotinh")
    for path in ("kpis", "ranking", "trend", "map", "records?indicator=2.1"):
        separator = "&" if "?" in path else "?"
        answer = client.get(f"/api/v1/ioc/{path}{separator}period={key}", **headers)
        assert answer.status_code == 422, (path, answer.content[:200])
        assert answer.json()["errors"] == {"period": [answer.json()["title"]]}


@pytest.mark.django_db
@pytest.mark.parametrize("key", OUT_OF_RANGE)
def test_pages_and_exports_answer_404(client, province_leader, key):
    client.force_login(province_leader)
    for path in ("/dieu-hanh/", "/dieu-hanh/so-lieu/", "/dieu-hanh/xep-hang.csv", "/dieu-hanh/chi-so.xlsx"):
        assert client.get(path, {"period": key, "indicator": "2.1"}).status_code == 404, path
