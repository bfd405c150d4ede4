"""End to end in headless Chromium: search without accents, open a dataset, see its preview, download CSV."""

import pytest
from playwright.sync_api import expect

from tinhso.opendata import services
from tinhso.opendata.tests.conftest import SCHOOLS, load, make_dataset, publish
from tinhso.testing.factories import JUSTICE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_preview_and_download(page, tmp_path):
    services.register_organization(actor=None, unit_code=JUSTICE, name="so-tu-phap")
    dataset = make_dataset("truong-hoc")
    load(dataset, SCHOOLS.encode())
    publish(dataset)
    page.goto("/du-lieu-mo/")
    page.fill("#q", "truong hoc")
    page.click("form[role=search] button")
    page.click("text=Danh sách trường học")
    # expect() waits for the dataset page the click opened; count() would read the page mid-load
    expect(page.locator("#preview tbody tr")).to_have_count(3)
    expect(page.locator("#preview")).to_contain_text("Trường THCS Nguyễn Văn Trỗi")
    with page.expect_download() as download:
        page.click("a[download]:text-is('CSV')")
    saved = tmp_path / "truong-hoc.csv"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Tên trường,Cấp học")
