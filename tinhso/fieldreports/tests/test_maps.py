"""Maps on a closed network: Leaflet bundled with the platform, its own commune centres and report points,
and tiles only from a server the deployment configured."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit
from tinhso.testing.fieldreport_helpers import AN_XUYEN_POINT, file_report

pytestmark = pytest.mark.django_db
MAP_PAGES = ("/phan-anh/", "/phan-anh/gui/")
# Every address a page or stylesheet asks the browser to load.
LOADED = re.compile(r'<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)="([^"]+)"')
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


@pytest.mark.parametrize("path", MAP_PAGES)
def test_map_pages_load_only_the_platforms_own_static_files(client, categories, path):
    page = client.get(path).content.decode()
    loaded = LOADED.findall(page)
    assert "/static/web/dist/map.js" in loaded and "/static/web/dist/map.css" in loaded
    assert all(url.startswith("/") and not url.startswith("//") for url in loaded), loaded
    assert 'data-tile-url=""' in page  # closed network by default: no tile layer at all


def test_the_bundled_map_fetches_nothing_from_another_host():
    css = Path(finders.find("web/dist/map.css")).read_text(encoding="utf-8")
    # Leaflet's control images are inlined; "#default#VML" is an old-IE behaviour, not a download.
    assert {url.split(":")[0] for url in CSS_URL.findall(css)} <= {"data", "#default#VML"}
    script = Path(finders.find("web/dist/map.js")).read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" not in script and "unpkg.com" not in script


def test_a_reports_page_maps_its_place_with_the_platforms_own_files(client, categories):
    report = file_report()
    page = client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
    loaded = LOADED.findall(page)
    assert "/static/web/dist/map.js" in loaded
    assert all(url.startswith("/") and not url.startswith("//") for url in loaded), loaded
    assert f'data-report-latitude="{AN_XUYEN_POINT[0]}" data-report-longitude="{AN_XUYEN_POINT[1]}"' in page
    assert "data-report-open" in page


def test_pages_without_a_map_do_not_load_leaflet(client, categories):
    assert "web/dist/map.js" not in client.get("/").content.decode()


def test_a_configured_tile_server_is_passed_to_the_map(client, categories, settings):
    settings.TINHSO_TILE_URL = "https://ban-do.camau.gov.vn/tiles/{z}/{x}/{y}.png"
    settings.TINHSO_TILE_ATTRIBUTION = "Sở Nông nghiệp và Môi trường Cà Mau"
    for path in MAP_PAGES:
        page = client.get(path).content.decode()
        assert 'data-tile-url="https://ban-do.camau.gov.vn/tiles/{z}/{x}/{y}.png"' in page
        assert 'data-tile-attribution="Sở Nông nghiệp và Môi trường Cà Mau"' in page


def test_the_map_is_fitted_to_the_province(client, categories):
    page = client.get("/phan-anh/").content.decode()
    bounds = {
        side: float(re.search(rf'data-{side}="([-0-9.]+)"', page).group(1))
        for side in ("south", "west", "north", "east")
    }
    communes = AdminUnit.objects.filter(
        parent=core_selectors.province_unit(), kind=AdminUnit.Kind.COMMUNE, latitude__isnull=False
    )
    assert bounds["south"] == min(unit.latitude for unit in communes)
    assert bounds["east"] == max(unit.longitude for unit in communes)
    # Cà Mau lies between about 8.5° and 9.9° north, 104.7° and 106.0° east.
    assert 8.4 < bounds["south"] < bounds["north"] < 10 and 104.5 < bounds["west"] < bounds["east"] < 106.1


def test_commune_centres_are_geojson_of_the_province_only(client):
    response = client.get("/phan-anh/xa-phuong.geojson")
    collection = json.loads(response.content)
    province = core_selectors.province_unit()
    expected = AdminUnit.objects.filter(parent=province, kind=AdminUnit.Kind.COMMUNE, latitude__isnull=False)
    assert len(collection["features"]) == expected.count() > 50
    [an_xuyen] = [f for f in collection["features"] if f["properties"]["code"] == "32002"]
    assert an_xuyen["properties"]["name"] == "Phường An Xuyên"
    unit = AdminUnit.objects.get(code="32002", kind=AdminUnit.Kind.COMMUNE)
    assert an_xuyen["geometry"]["coordinates"] == [unit.longitude, unit.latitude]
    codes = {f["properties"]["code"] for f in collection["features"]}
    assert not codes & set(
        AdminUnit.objects.filter(kind=AdminUnit.Kind.COMMUNE)
        .exclude(parent=province)
        .values_list("code", flat=True)
    )


def test_the_list_map_reads_the_points_of_the_filtered_list(client, categories):
    file_report("ha-tang-den")
    page = client.get("/phan-anh/", {"status": "open", "category": "ha-tang-den"}).content.decode()
    url = re.search(r'data-points-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url == "/phan-anh/ban-do.geojson?category=ha-tang-den&status=open"
    assert len(json.loads(client.get(url).content)["features"]) == 1


def test_the_picked_place_is_resolved_to_its_commune(client, categories):
    partial = client.get(
        "/phan-anh/gan-day/", {"latitude": AN_XUYEN_POINT[0], "longitude": AN_XUYEN_POINT[1]}
    ).content.decode()
    assert "Vị trí thuộc Phường An Xuyên." in partial
    # Hà Nội's Hoàn Kiếm lake is outside Cà Mau: the citizen learns it before submitting.
    outside = client.get(
        "/phan-anh/gan-day/", {"latitude": "21.0287", "longitude": "105.8524"}
    ).content.decode()
    assert "nằm ngoài địa bàn" in outside and "Vị trí thuộc" not in outside
