"""The demo gives every demo official work in their queue, through the real services, and loads once."""

import pytest

from tinhso.catalog import demo as catalog_demo
from tinhso.core import demo as core_demo
from tinhso.core.models import User
from tinhso.dossiers import demo, selectors
from tinhso.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def test_demo_dossiers_cover_the_lifecycle_and_fill_the_queues():
    core_demo.load_demo(with_accounts=True)
    catalog_demo.load_demo(with_accounts=True)
    assert demo.load_demo(with_accounts=False) == [] and not Dossier.objects.exists()
    demo.load_demo(with_accounts=True)
    assert set(Dossier.objects.values_list("status", flat=True)) == {1, 3, 4, 5, 7, 8}
    for username in ("motcua", "chuyenvien", "tuphap.anxuyen"):
        assert selectors.official_queue(actor=User.objects.get(username=username)), username
    count = Dossier.objects.count()
    demo.load_demo(with_accounts=True)
    assert Dossier.objects.count() == count
