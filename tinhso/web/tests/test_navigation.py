"""Each role lands on its own page after sign-in and has its own menu; pages a role may not open answer the
403 page, the same way everywhere."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import set_script_prefix

from tinhso.core.display import page_url
from tinhso.core.models import Domain, Role
from tinhso.testing.factories import AN_XUYEN, CENTRE, JUSTICE, citizen, official
from tinhso.web.context_processors import MAIN_NAVIGATION
from tinhso.web.navigation import CITIZEN_PLACES, OFFICIAL_PLACES

pytestmark = pytest.mark.django_db
PASSWORD = "Camau@2026"


def _signed_in(client, user, *, official_page: bool = True):
    login = "/can-bo/dang-nhap/" if official_page else "/dang-nhap/"
    return client.post(login, {"username": user.username, "password": PASSWORD})


@pytest.mark.parametrize(
    ("roles", "start"),
    [
        ([(Role.RECEPTIONIST, CENTRE)], "/can-bo/ho-so/"),
        ([(Role.SPECIALIST, JUSTICE)], "/can-bo/ho-so/"),
        ([(Role.SPECIALIST, "96", Domain.FIELD_REPORTS)], "/can-bo/phan-anh/"),  # the field-report centre
        ([(Role.UNIT_LEADER, JUSTICE)], "/dieu-hanh/"),
        # A commune's leader for field reports only: their reports, not the operations centre they may not open.
        ([(Role.UNIT_LEADER, AN_XUYEN, Domain.FIELD_REPORTS)], "/can-bo/phan-anh/"),
        ([(Role.PROVINCE_LEADER, "96")], "/dieu-hanh/"),
        ([(Role.ADMINISTRATOR, "96")], "/admin/"),
        ([(Role.REPORTING_OFFICER, JUSTICE)], "/bao-cao/"),
    ],
)
def test_each_official_lands_on_the_page_of_their_role(client, roles, start):
    user = official("can.bo", *roles)
    signed_in = _signed_in(client, user)
    assert signed_in.status_code == 302
    assert client.get(signed_in["Location"])["Location"] == start
    assert client.get(start).status_code == 200
    assert f'href="{start}"' in client.get("/").content.decode()  # and the menu links to it


def test_a_citizen_lands_on_their_dossiers_and_has_their_own_menu(client):
    user = citizen()
    signed_in = _signed_in(client, user, official_page=False)
    assert client.get(signed_in["Location"])["Location"] == "/ho-so/cua-toi/"
    html = client.get("/").content.decode()
    assert "Hồ sơ của tôi" in html and "Phản ánh của tôi" in html
    assert "/can-bo/ho-so/" not in html and "/dieu-hanh/" not in html


def test_a_sign_in_link_with_next_still_goes_where_it_was_asked(client):
    user = citizen()
    signed_in = client.post("/dang-nhap/?next=/thu-tuc/", {"username": user.username, "password": PASSWORD})
    assert signed_in["Location"] == "/thu-tuc/"


def test_the_menu_of_a_leader_offers_the_operations_centre_on_every_page(client):
    client.force_login(official("lanh.dao", (Role.UNIT_LEADER, JUSTICE)))
    for url in ("/", "/thu-tuc/", "/can-bo/ho-so/"):
        html = client.get(url).content.decode()
        assert 'href="/dieu-hanh/"' in html and 'href="/can-bo/ho-so/"' in html


@pytest.mark.parametrize("url", ["/can-bo/ho-so/", "/can-bo/phan-anh/"])
def test_a_citizen_opening_a_back_office_page_gets_the_403_page(client, url):
    client.force_login(citizen())
    page = client.get(url)
    assert page.status_code == 403
    assert "Không có quyền truy cập" in page.content.decode()


@pytest.mark.parametrize("url", ["/can-bo/ho-so/", "/can-bo/phan-anh/"])
def test_an_anonymous_visitor_is_sent_to_the_officials_sign_in(client, url):
    page = client.get(url)
    assert page.status_code == 302 and page["Location"].startswith("/can-bo/dang-nhap/?next=")


def test_an_official_of_a_ward_reaches_the_back_office(client):
    client.force_login(official("xu.ly", (Role.SPECIALIST, AN_XUYEN)))
    assert client.get("/can-bo/phan-anh/").status_code == 200
    assert client.get("/can-bo/ho-so/").status_code == 200


def test_the_home_page_promises_only_the_desks_the_forms_offer(client):
    html = client.get("/").content.decode()
    assert "bất kỳ Trung tâm Phục vụ hành chính công" not in html
    assert "Ủy ban nhân dân xã, phường cho thủ tục cấp xã" in html


def test_the_readme_lists_every_demo_account_with_what_it_handles():
    from tinhso.catalog.demo import COMMUNE_OFFICIALS
    from tinhso.core.demo import DEMO_OFFICIALS
    from tinhso.fieldreports.demo import DEMO_OFFICIALS as REPORT_OFFICIALS

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    listed = set(re.findall(r"^\| `([\w.]+)`", readme, flags=re.M))
    accounts = {name for name, *_ in (*DEMO_OFFICIALS, *COMMUNE_OFFICIALS, *REPORT_OFFICIALS)} | {"congdan"}
    assert accounts - listed == set()


def test_the_links_every_page_shows_follow_the_address_the_portal_is_served_under(client):
    """The menus' and the header's links are reversed once per process, for each prefix a server gives (as
    Django's WSGI handler sets it from SCRIPT_NAME, which the test client does not)."""
    client.force_login(citizen())
    at_root = client.get("/").content.decode()
    set_script_prefix("/cong/")
    try:
        under = client.get("/").content.decode()
    finally:
        set_script_prefix("/")
    for link in ('href="/ho-so/cua-toi/"', 'href="/thu-tuc/"', 'href="/thong-bao/"', 'action="/dang-xuat/"'):
        assert link in at_root and link.replace('="/', '="/cong/') in under
    assert 'href="/ho-so/cua-toi/"' in client.get("/").content.decode()


def test_every_page_the_menus_and_templates_link_by_name_exists():
    """page_url answers "" for a page whose app is not installed; with every app installed, a name it cannot
    reverse is a typo that would silently drop a link from every page."""
    templates = Path(settings.BASE_DIR) / "tinhso"
    tagged = {
        name
        for template in templates.rglob("*.html")
        for name in re.findall(r"{% page_url ['\"]([^'\"]+)['\"]", template.read_text())
    }
    places = {place.url_name for place in (*CITIZEN_PLACES, *OFFICIAL_PLACES)}
    menu = {url_name for _label, url_name, _description in MAIN_NAVIGATION}
    names = tagged | places | menu
    assert len(tagged) >= 5 and len(places) >= 10
    assert {name for name in names if not page_url(name)} == set()
