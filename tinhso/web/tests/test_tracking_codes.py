"""Tracking codes are typed as people type them: any case, spaces around (field reports; dossiers' codes are
read off the receipt by tinhso.dossiers.selectors.receipt_code)."""

import pytest

from tinhso.testing.fieldreport_helpers import file_report
from tinhso.testing.fieldreports import categories, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_a_field_report_opens_by_its_code_in_any_case(client, categories, staff):  # noqa: F811
    report = file_report()
    assert client.get(f"/phan-anh/{report.tracking_code.lower()}/").status_code == 200
    client.force_login(staff["coordinator"])
    assert client.get(f"/can-bo/phan-anh/{report.tracking_code.lower()}/").status_code == 200


def test_the_dossier_tracking_page_takes_a_lower_case_code(client):
    from tinhso.dossiers.selectors import receipt_code

    assert receipt_code(" số: 32002.h12-261206-0005/tnhs ") == "32002.H12-261206-0005"
