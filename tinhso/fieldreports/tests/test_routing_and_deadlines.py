"""A report is placed in its commune, routed by the most specific rule and given a working-time deadline."""

import pytest

from tinhso.core.errors import InvalidInput
from tinhso.core.models import AdminUnit, Event, Role
from tinhso.fieldreports import selectors, services, tasks
from tinhso.fieldreports.models import Category, RoutingRule
from tinhso.testing.factories import CONSTRUCTION, official
from tinhso.testing.fieldreport_helpers import (
    AN_XUYEN,
    AN_XUYEN_COMMITTEE,
    AN_XUYEN_POINT,
    TAN_THANH_POINT,
    file_report,
    local,
)

pytestmark = pytest.mark.django_db

HEALTH = "000.00.19.H12"
POLICE = "000.00.21.H12"


def test_a_point_resolves_to_the_commune_with_the_nearest_centre():
    assert selectors.commune_at(latitude=AN_XUYEN_POINT[0], longitude=AN_XUYEN_POINT[1]).code == AN_XUYEN
    assert selectors.commune_at(latitude=TAN_THANH_POINT[0], longitude=TAN_THANH_POINT[1]).code == "32025"


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (21.02851, 105.85420),  # Hoàn Kiếm, Hà Nội
        (8.20000, 104.20000),  # the Gulf of Thailand, 60 km off Cà Mau's coast
    ],
)
def test_a_point_outside_the_province_is_refused_naming_the_field(latitude, longitude):
    with pytest.raises(InvalidInput) as refused:
        selectors.commune_at(latitude=latitude, longitude=longitude)
    assert refused.value.code == "outside_province"
    assert "Tỉnh Cà Mau" in refused.value.errors["latitude"][0]


def test_a_commune_centre_of_a_neighbouring_province_is_outside():
    neighbour = (
        AdminUnit.objects.filter(
            kind=AdminUnit.Kind.COMMUNE, latitude__range=(9.4, 9.8), longitude__range=(105.3, 105.9)
        )
        .exclude(parent__code="96")
        .first()
    )
    with pytest.raises(InvalidInput, match="ngoài địa bàn"):
        selectors.commune_at(latitude=neighbour.latitude, longitude=neighbour.longitude)


def _nearest_by_scan(latitude: float, longitude: float) -> AdminUnit | None:
    """The rule as first written: every commune within the search box, nearest centre by great circle."""
    box = selectors._SEARCH_DEGREES
    candidates = AdminUnit.objects.filter(
        kind=AdminUnit.Kind.COMMUNE,
        latitude__range=(latitude - box, latitude + box),
        longitude__range=(longitude - box, longitude + box),
    )
    return min(
        candidates, key=lambda unit: selectors.distance_m(latitude, longitude, *unit.centre), default=None
    )


def _beyond_reach(commune: AdminUnit, latitude: float, longitude: float) -> bool:
    radius = (commune.area_km2 or 0) * 1_000_000 / 3.141592653589793
    return selectors.distance_m(latitude, longitude, *commune.centre) > max(3 * radius**0.5, 5_000)


def test_a_point_resolves_to_the_same_commune_as_a_scan_of_every_candidate():
    province = selectors.province_communes().province
    south, west = min(u.latitude for u in selectors.province_communes().communes), 104.7
    points = [(south + row * 0.05, west + column * 0.05) for row in range(14) for column in range(14)]
    resolved = 0
    for latitude, longitude in points:
        expected = _nearest_by_scan(latitude, longitude)
        try:
            found = selectors.commune_at(latitude=latitude, longitude=longitude)
        except InvalidInput:
            assert (
                expected is None
                or expected.parent_id != province.pk
                or _beyond_reach(expected, latitude, longitude)
            )
            continue
        assert found == expected, (latitude, longitude)
        resolved += 1
    assert resolved > 50


def test_placing_a_point_reads_only_the_nearest_communes_once_the_province_is_kept(django_assert_num_queries):
    selectors.commune_at(latitude=AN_XUYEN_POINT[0], longitude=AN_XUYEN_POINT[1])
    with django_assert_num_queries(1):
        selectors.place_of_report(
            latitude=AN_XUYEN_POINT[0],
            longitude=AN_XUYEN_POINT[1],
            commune_code=None,
            address="phường An Xuyên",
        )


def test_the_responsible_unit_is_kept_until_a_rule_changes(categories, django_assert_num_queries):
    category, commune = Category.objects.get(code="ha-tang-den"), AdminUnit.objects.get(code=AN_XUYEN)
    assert selectors.responsible_unit_for(category=category, commune=commune).code == AN_XUYEN_COMMITTEE
    with django_assert_num_queries(0):
        assert selectors.responsible_unit_for(category=category, commune=commune).code == AN_XUYEN_COMMITTEE
    services.add_routing_rule(actor=None, target="fixed_unit", category_code="ha-tang-den", unit_code=HEALTH)
    assert selectors.responsible_unit_for(category=category, commune=commune).code == HEALTH


def test_without_a_rule_the_commune_people_committee_handles_it(categories):
    report = file_report("ha-tang-o-ga")
    assert report.commune.code == AN_XUYEN
    assert report.responsible_unit.code == AN_XUYEN_COMMITTEE
    assert report.responsible_unit.name == "Ủy ban nhân dân phường An Xuyên"


def test_a_rule_on_the_group_sends_its_categories_to_a_fixed_agency(categories):
    assert file_report("giao-thong-tin-hieu").responsible_unit.code == CONSTRUCTION


def test_the_most_specific_rule_wins_commune_then_category_then_order(categories):
    services.add_routing_rule(
        actor=None, target="fixed_unit", category_code="ha-tang", unit_code=POLICE, order=5
    )
    assert file_report("ha-tang-den").responsible_unit.code == POLICE
    services.add_routing_rule(actor=None, target="fixed_unit", category_code="ha-tang-den", unit_code=HEALTH)
    assert file_report("ha-tang-den").responsible_unit.code == HEALTH
    services.add_routing_rule(
        actor=None, target="commune_committee", category_code="ha-tang", commune_code=AN_XUYEN
    )
    assert file_report("ha-tang-den").responsible_unit.code == AN_XUYEN_COMMITTEE
    # Elsewhere the category rule still applies.
    assert file_report("ha-tang-den", point=TAN_THANH_POINT).responsible_unit.code == HEALTH


def test_a_fixed_rule_needs_its_unit_and_a_known_category(categories):
    with pytest.raises(InvalidInput) as refused:
        services.add_routing_rule(actor=None, target=RoutingRule.Target.FIXED_UNIT, category_code="ha-tang")
    assert "unit_code" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.add_routing_rule(actor=None, target="commune_committee", category_code="khong-co")
    assert "category" in refused.value.errors


def test_immediate_kinds_are_due_at_the_close_of_the_third_working_day(categories):
    # Filed Friday 13 November 2026, 10:00: Monday 16, Tuesday 17 and Wednesday 18 are the three working days.
    report = file_report("ha-tang-o-ga", now=local(2026, 11, 13, 10, 0))
    assert report.due_at == local(2026, 11, 18, 17, 0)
    # A week later Tuesday 24 November, Vietnam Culture Day, is a day off: the deadline moves to Thursday.
    report = file_report("ha-tang-o-ga", now=local(2026, 11, 20, 10, 0))
    assert report.due_at == local(2026, 11, 26, 17, 0)


def test_urgent_hours_count_office_time_only(categories):
    # Friday 16:00 + 4 office hours: one hour on Friday, three from Monday's 07:30 opening.
    report = file_report("ha-tang-nap-cong", now=local(2026, 11, 20, 16, 0))
    assert report.due_at == local(2026, 11, 23, 10, 30)


def test_the_deadline_skips_the_lunar_new_year_holiday(categories):
    # Tết Bính Ngọ 2026: Monday 16 to Friday 20 February are public holidays.
    report = file_report("giao-thong-tin-hieu", now=local(2026, 2, 13, 9, 0))
    assert report.due_at == local(2026, 2, 23, 17, 0)


@pytest.mark.parametrize(
    ("urgency", "days", "hours"),
    [
        (Category.Urgency.URGENT, 2, None),
        (Category.Urgency.URGENT, None, 8),  # a working day is 7.5 office hours
        (Category.Urgency.IMMEDIATE, 4, None),
        (Category.Urgency.SCHEDULED, None, None),
        (Category.Urgency.SCHEDULED, 5, 3),
    ],
)
def test_a_deadline_beyond_the_legal_limit_or_ambiguous_is_refused(categories, urgency, days, hours):
    with pytest.raises(InvalidInput) as refused:
        services.create_category(
            actor=None,
            code="thu",
            name="Thử",
            parent_code="ha-tang",
            urgency=urgency,
            deadline_days=days,
            deadline_hours=hours,
        )
    assert "deadline_days" in refused.value.errors


def test_scheduled_kinds_take_any_configured_deadline(categories):
    category = services.create_category(
        actor=None, code="khac-khac", name="Vấn đề khác", parent_code="ha-tang", deadline_days=15
    )
    assert category.deadline_days == 15


def test_overdue_reports_are_flagged_once_and_escalated_to_the_unit_leader(categories, staff):
    late = file_report("ha-tang-o-ga", now=local(2026, 11, 2, 9, 0))
    on_time = file_report("ha-tang-o-ga", now=local(2026, 11, 20, 9, 0))
    assert services.flag_overdue_reports(now=local(2026, 11, 10, 8, 0)) == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_at == local(2026, 11, 10, 8, 0) and on_time.overdue_at is None
    escalation = Event.objects.get(stream=f"fieldreports.report:{late.pk}", action="fieldreport.escalated")
    assert escalation.payload == {"unit": AN_XUYEN_COMMITTEE, "leaders": [staff["leader"].pk]}
    assert services.flag_overdue_reports(now=local(2026, 11, 11, 8, 0)) == 0


def test_without_a_unit_leader_escalation_goes_up_to_the_commune_s_leaders(categories, staff):
    commune_leader = official("chutichphuong", (Role.UNIT_LEADER, AN_XUYEN))
    staff["leader"].roles.all().delete()
    report = file_report("ha-tang-o-ga", now=local(2026, 11, 2, 9, 0))
    services.flag_overdue_reports(now=local(2026, 11, 10, 8, 0))
    escalation = Event.objects.get(stream=f"fieldreports.report:{report.pk}", action="fieldreport.escalated")
    assert escalation.payload["leaders"] == [commune_leader.pk]


def test_the_periodic_job_flags_overdue_reports(categories, staff):
    report = file_report("ha-tang-o-ga", now=local(2025, 11, 3, 9, 0))
    tasks.flag_overdue_reports()
    report.refresh_from_db()
    assert report.overdue_at is not None
