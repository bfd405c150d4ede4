"""`make demo` loads a history through the generator, once, so the operations centre has months to show."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.catalog import demo as catalog_demo
from tinhso.core.models import Event
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports import demo as fieldreport_demo
from tinhso.generator import demo
from tinhso.ioc.models import CounterTotal
from tinhso.notifications.models import DeliveryCursor
from tinhso.notifications.rules import RULES
from tinhso.notifications.services import GRACE

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


def test_the_history_leaves_the_first_delivery_only_what_happened_lately(monkeypatch):
    """The job consumer's first delivery after `load-demo` must not read two years of generated events in one
    transaction: it held SQLite's write lock for 25 s and a second job failed with "database is locked"."""
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)
    monkeypatch.setattr(demo, "DEMO_HISTORY", {"dossiers": 1000, "reports": 40, "months": 24})
    demo.load_demo(with_accounts=True)

    told = Event.objects.filter(action__in=RULES)
    cursor = DeliveryCursor.objects.get()
    assert cursor.last_run_at is not None
    assert told.filter(occurred_at__gte=cursor.last_run_at - GRACE).count() * 20 < told.count()
