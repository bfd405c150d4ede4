import pytest

from tinhso.core import selectors
from tinhso.core.models import AdminUnit

pytestmark = pytest.mark.django_db


def test_all_provinces_and_communes_are_loaded_with_codes_and_centres():
    assert AdminUnit.objects.filter(kind=AdminUnit.Kind.PROVINCE).count() == 34
    assert AdminUnit.objects.filter(kind=AdminUnit.Kind.COMMUNE).count() == 3321
    ca_mau = selectors.unit_by_code("96")
    assert ca_mau.name == "Tỉnh Cà Mau"
    assert ca_mau.latitude == pytest.approx(9.1362)
