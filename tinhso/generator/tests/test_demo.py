"""`make demo` loads a history through the generator, once, so the operations centre has months to show."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.catalog import demo as catalog_demo
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports import demo as fieldreport_demo
from tinhso.generator import demo
from tinhso.ioc.models import CounterTotal

pytestmark = pytest.mark.django_db


def test_demo_mode_loads_two_years_of_history_once(monkeypatch):
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)
    monkeypatch.setattr(demo, "DEMO_HISTORY", {"dossiers": 1000, "reports": 40, "months": 24})

    assert demo.load_demo(with_accounts=False) == [] and not Dossier.objects.exists()  # not without demo mode
    lines = demo.load_demo(with_accounts=True)
    assert "1.000 hồ sơ" in lines[0]
    submitted = {
        timezone.localtime(at).strftime("%Y-%m")
        for at in Dossier.objects.values_list("submitted_at", flat=True)
    }
    assert len(submitted) >= 22  # the charts and rankings have the months of two years to show
    a_year_ago = (timezone.localdate() - timedelta(days=365)).strftime("%Y-%m")
    assert CounterTotal.objects.filter(period=a_year_ago, value__gt=0).exists()  # and the IOC counted them

    assert demo.load_demo(with_accounts=True) == []
    assert Dossier.objects.count() == 1000
