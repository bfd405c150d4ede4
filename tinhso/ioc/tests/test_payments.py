"""The online-payment group of the index (TTTT): kept per unit in the rollups from the payment orders' events,
equal to the platform's own figures counted from the records."""

import pytest
from django.utils import timezone

from tinhso.core.models import AdminUnit
from tinhso.core.selectors import province_unit
from tinhso.ioc import periods, selectors, services
from tinhso.payments import selectors as payment_selectors
from tinhso.payments import services as payment_services
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.dossiers import AN_XUYEN
from tinhso.testing.factories import JUSTICE
from tinhso.testing.payments import ipn, started_order

pytestmark = pytest.mark.django_db


def _figures(leader, unit: AdminUnit) -> tuple[tuple[object, ...], tuple[int, ...]]:
    """(4.3's numerator and denominator, 4.2's numerator) as the dashboard shows them and as the records say."""
    period = periods.of(timezone.now())
    card = selectors.dashboard(actor=leader, unit_code=unit.code, period=period).card
    kept = (card.value("4.3").numerator, card.value("4.3").denominator, card.value("4.2").numerator)
    records = payment_selectors.online_payment_figures(start=period.start, end=period.end, unit=unit)
    counted = (records.dossiers_paid_online, records.dossiers_with_fee, records.procedures_paid_online)
    return kept, counted


def test_a_paid_dossier_moves_the_indicator_per_unit_and_province_wide(cast, province_leader):
    province, justice = province_unit(), AdminUnit.objects.get(code=JUSTICE)
    commune = AdminUnit.objects.get(code=AN_XUYEN)
    owing = started_order(cast.an, submitted(cast).code)
    services.consume_events()
    assert _figures(province_leader, justice) == ((0, 1, 0), (0, 1, 0))

    assert payment_services.receive_vnpay_ipn(params=ipn(owing)) == "00"
    services.consume_events()

    for unit in (province, justice):
        kept, counted = _figures(province_leader, unit)
        assert kept == counted == (1, 1, 1)
    assert _figures(province_leader, commune) == ((0, 0, 0), (0, 0, 0))
    card = selectors.scorecard(actor=province_leader, unit_code=JUSTICE, period=periods.of(timezone.now()))
    assert card.value("4.3").rate == 1.0 and card.value("4.3").points == 6


def test_a_fee_asked_in_status_6_and_a_replayed_log_count_once(cast, province_leader):
    justice = AdminUnit.objects.get(code=JUSTICE)
    asked = started_order(cast.an, in_state(cast, "payment").code)
    unpaid = started_order(cast.an, submitted(cast).code)
    assert payment_services.receive_vnpay_ipn(params=ipn(asked)) == "00"
    assert payment_services.receive_vnpay_ipn(params=ipn(unpaid, paid=False)) == "00"
    services.consume_events()
    kept, counted = _figures(province_leader, justice)
    assert kept == counted == (1, 2, 1)

    services.rebuild_rollups()

    assert _figures(province_leader, justice) == (kept, counted)


def test_procedures_charging_a_fee_are_payable_online(cast, province_leader):
    card = selectors.scorecard(actor=province_leader, period=periods.of(timezone.now()))
    payable = card.value("4.1")
    assert payable.numerator == payable.denominator == card.value("4.2").denominator > 0
    drill = selectors.records(actor=province_leader, indicator="4.1", period=periods.of(timezone.now()))
    assert len(drill.rows) == payable.denominator
