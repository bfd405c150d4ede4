"""Completeness and timeliness (item 12): who has sent a period's report and who is late, down the reporting
tree, each leader over the units they approve; the operations centre links to it."""

import pytest

from tinhso.reporting import selectors, services
from tinhso.reporting.models import Submission

from .conftest import AN_XUYEN, FINANCE, JUSTICE, PROVINCE

pytestmark = pytest.mark.django_db


def _send(actor, unit):
    services.save_values(
        actor=actor, regime_code="KTXH-THANG", period_id="2026M03", unit_code=unit,
        cells=[services.Cell("DNMOI", "3")],
    )  # fmt: skip
    submission = Submission.objects.get(unit__code=unit)
    services.act(actor=actor, submission_id=submission.pk, version=submission.version, action="submit")


@pytest.fixture
def sent(regime, cast, clock):
    """Finance sends on time (16/03); by 20/03 the department of justice and An Xuyên are late."""
    _send(cast.finance, FINANCE)
    clock.set(2026, 3, 20)


def test_the_tree_counts_received_on_time_and_late_under_each_unit(regime, cast, sent):
    tree = selectors.completeness_tree(cast.leader, selectors.regime_by_code(regime), "2026M03")
    top, *below = tree
    assert (top.report.unit.code, top.level) == (PROVINCE, 0)
    assert (top.expected, top.received, top.on_time, top.late) == (3, 1, 1, 2)
    assert {
        row.report.unit.code: (row.level, row.report.on_time, row.report.days_late > 0) for row in below
    } == {
        FINANCE: (1, True, False),
        JUSTICE: (1, False, True),
        AN_XUYEN: (1, False, True),
    }


def test_a_departments_leader_sees_only_the_department(regime, cast, sent):
    tree = selectors.completeness_tree(cast.justice_leader, selectors.regime_by_code(regime), "2026M03")
    assert [row.report.unit.code for row in tree] == [JUSTICE]


def test_the_overview_lists_the_closed_periods_and_names_the_late_units(client, regime, cast, sent):
    client.force_login(cast.leader)
    html = client.get("/bao-cao/tien-do/").content.decode()
    assert 'data-period="2026M03"' in html and 'href="/bao-cao/KTXH-THANG/2026M03/tien-do/"' in html
    row = html[html.index('data-period="2026M03"') :].split("</tr>")[0]
    assert "1/3" in row and "Sở Tư pháp" in row and "Sở Tài chính" not in row
    detail = client.get("/bao-cao/KTXH-THANG/2026M03/tien-do/").content.decode()
    assert 'id="received">1<' in detail and 'id="late-count">2<' in detail
    assert f'data-unit="{JUSTICE}" data-level="1" class="late"' in detail


def test_reporting_officers_do_not_see_progress(client, regime, cast, sent):
    client.force_login(cast.justice)
    assert client.get("/bao-cao/tien-do/").status_code == 403
    assert client.get("/bao-cao/KTXH-THANG/2026M03/tien-do/").status_code == 403


def test_the_operations_centre_links_to_the_reporting_progress(client, regime, cast, sent):
    client.force_login(cast.leader)
    page = client.get("/dieu-hanh/")
    assert page.status_code == 200
    assert 'id="reporting-progress" href="/bao-cao/tien-do/"' in page.content.decode()
