"""The demo: twelve months of approved history, the open month at Sở Tư pháp with one mismatch, `baocao`."""

import pytest
from django.utils import timezone

from tinhso.core.models import User
from tinhso.reporting import demo, periods, selectors, setup
from tinhso.reporting.models import Aggregate, Status, Submission

pytestmark = pytest.mark.django_db


def test_demo_history_open_month_and_the_one_mismatch():
    lines = demo.load_demo(with_accounts=True)
    assert any(line.startswith("baocao") for line in lines)
    assert User.objects.get(username="baocao").check_password("demo1234")
    latest = periods.containing(timezone.now(), frequency="M").previous()
    approved = Submission.objects.filter(status=Status.APPROVED)
    assert approved.count() == 12 * len(demo.reporters())
    assert Aggregate.objects.filter(unit__code="96", period=latest.previous().id).count() >= 7
    open_month = Submission.objects.get(period=latest.id, unit__code=setup.agency("15"))
    assert open_month.status == Status.DRAFT
    mismatches = [c.code for c in selectors.crosschecks(open_month) if c.status == "mismatch"]
    assert mismatches == ["HSTN"]
    findings = selectors.findings(open_month)
    assert [f.subject for f in findings] == ["crosscheck:HSTN"]
    assert demo.load_demo(with_accounts=True) == lines  # loading again changes nothing
