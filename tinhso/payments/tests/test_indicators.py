"""The online-payment group of the national index (TTTT), counted from the payment events of a period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.payments import selectors, services
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.payments import ipn, started_order

pytestmark = pytest.mark.django_db


def test_dossiers_paid_online_over_dossiers_that_owed_a_fee(cast):
    paid = started_order(cast.an, in_state(cast, "payment").code)
    assert services.receive_vnpay_ipn(params=ipn(paid)) == "00"
    started_order(cast.an, submitted(cast).code)  # owes its fee, not paid yet
    services.create_order(actor=cast.an, code=submitted(cast).code)
    now = timezone.now()

    figures = selectors.online_payment_figures(start=now - timedelta(days=1), end=now + timedelta(days=1))

    assert (figures.dossiers_paid_online, figures.dossiers_with_fee) == (1, 3)
    assert figures.procedures_paid_online == 1
    assert figures.procedures_with_fee >= figures.procedures_paid_online
    earlier = selectors.online_payment_figures(start=now - timedelta(days=3), end=now - timedelta(days=1))
    assert (earlier.dossiers_paid_online, earlier.dossiers_with_fee) == (0, 0)
