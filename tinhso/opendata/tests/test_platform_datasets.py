"""The datasets the platform publishes about itself: built from its own records by the refresh job, published
(the guard finds no personal data in them), a new version only when the data changed, "data as of" kept; the
field reports carry no reporter, no free text and places coarsened to about a kilometre."""

import pytest

from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit
from tinhso.opendata import platform, selectors
from tinhso.opendata.models import Dataset, State
from tinhso.opendata.tests.conftest import rows_of
from tinhso.testing.fieldreport_helpers import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, file_report

pytestmark = pytest.mark.django_db


def rows(name: str) -> list[dict]:
    version = Dataset.objects.get(name=name).resources.get().current
    assert version is not None
    return rows_of(version)


def test_the_refresh_publishes_every_platform_dataset(procedures, categories):
    file_report()
    refreshed = platform.refresh_all()
    assert sorted(d.source for d in refreshed) == sorted(spec.source for spec in platform.SPECS)
    assert {d.state for d in Dataset.objects.all()} == {State.PUBLISHED}
    procedure_rows = rows("thu-tuc-hanh-chinh")
    assert procedure_rows and {"ma_thu_tuc", "ten_thu_tuc", "le_phi_dong"} <= set(procedure_rows[0])
    units = rows("don-vi-hanh-chinh")
    province = core_selectors.province_unit()
    expected = core_selectors.units_under(province).filter(
        kind__in=(AdminUnit.Kind.PROVINCE, AdminUnit.Kind.COMMUNE)
    )
    assert len(units) == expected.count() > 50 and str(units[0]["ma"]) == province.code
    index = rows("chi-so-phuc-vu-nguoi-dan")
    assert index == [] or "chi_so_2.1" in index[0]
    resource = Dataset.objects.get(name="thu-tuc-hanh-chinh").resources.get()
    assert resource.current.data_as_of is not None


def test_field_reports_are_published_without_the_reporter_and_with_coarse_places(categories):
    report = file_report()
    platform.refresh(next(spec for spec in platform.SPECS if spec.source == "field_reports"))
    published = rows("phan-anh-hien-truong")
    assert len(published) == 1
    text = repr(published)
    for personal in (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, report.description, report.tracking_code):
        assert personal not in text
    assert published[0]["vi_do_lam_tron"] == round(report.latitude, 2)
    assert published[0]["xa_phuong"] == report.commune.name


def test_a_refresh_adds_a_version_only_when_the_data_changed(categories):
    spec = next(spec for spec in platform.SPECS if spec.source == "field_reports")
    first = platform.refresh(spec)
    platform.refresh(spec)
    resource = first.resources.get()
    assert resource.versions.count() == 1
    file_report()
    platform.refresh(spec)
    resource.refresh_from_db()
    assert resource.versions.count() == 2 and resource.current.number == 2 and resource.current.rows == 1
    assert selectors.datastore_page(None, resource_id=str(resource.pk)).total == 1
