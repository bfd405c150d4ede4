"""Values every page needs: the province the portal serves, the portal's name and the menus. Each is worked out
once per process for what it depends on (the language, the menu's pages, the page it is on): pages ask for them
on every request."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core import caching, selectors
from tinhso.core.display import page_url, url_setting
from tinhso.core.errors import NotFound
from tinhso.web.navigation import Workplace, menu_places

# Main menu entries as (label, URL name, one-line description for the home page). An entry shows only once
# the app that owns its URL name is installed, so the menu never links to a page that does not exist.
MAIN_NAVIGATION: tuple[tuple[Promise, str, Promise | str], ...] = (
    (_("Trang chủ"), "web:home", ""),
    (
        _("Thủ tục hành chính"),
        "catalog:procedure-list",
        _("Tìm thủ tục, giấy tờ cần chuẩn bị, thời hạn giải quyết và lệ phí."),
    ),
    (
        _("Tra cứu hồ sơ"),
        "dossiers:lookup",
        _("Xem tiến độ giải quyết hồ sơ bằng mã hồ sơ trên giấy tiếp nhận."),
    ),
    (
        _("Phản ánh hiện trường"),
        "fieldreports:report-list",
        _("Gửi và theo dõi phản ánh về hạ tầng, môi trường, trật tự đô thị nơi bạn sống."),
    ),
    (
        _("Dữ liệu mở"),
        "opendata:search",
        _("Tìm, xem trước và tải dữ liệu mở của tỉnh; gọi qua API tương thích CKAN."),
    ),
    (
        _("Xác thực văn bản"),
        "signing:verify",
        _("Kiểm tra chữ ký số của kết quả, biên lai bằng mã xác thực hoặc tệp PDF."),
    ),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    description: str
    current: bool


@caching.memo("web.province", maxsize=1)
def _province() -> tuple[str, str]:
    """(category, short name) of the configured province; cached once the units are loaded."""
    unit = selectors.province_unit()
    return unit.category, unit.short_name or unit.name


def province_label() -> str:
    """The province as it follows a noun: "tỉnh Cà Mau", "thành phố Cần Thơ"."""
    try:
        category, name = _province()
    except NotFound:  # administrative units not imported yet: name the platform only
        return ""
    return _province_label(category, name, get_language())


@caching.memo("web.province_label", maxsize=16)
def _province_label(category: str, name: str, language: str) -> str:
    if category == "Thành phố":
        return gettext("thành phố %(name)s") % {"name": name}
    return gettext("tỉnh %(name)s") % {"name": name}


@caching.memo("web.portal_name", maxsize=16)
def portal_name(province: str, language: str) -> str:
    """The portal's name in the header, the footer and every page's title."""
    if province:
        return gettext("Cổng dịch vụ công %(province)s") % {"province": province}
    return gettext("Cổng dịch vụ công")


@dataclass(frozen=True)
class Menus:
    main: tuple[NavItem, ...]
    work: tuple[NavItem, ...]


@caching.memo("web.menu_entries", maxsize=256)
def _entries(
    places: tuple[Workplace, ...], language: str, urlconf: str, prefix: str
) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...]]:
    """(label, URL, description) of the main menu's entries and (label, URL) of the person's own pages, in
    `language`. An entry shows only once the app that owns its URL name is installed."""
    main = tuple(
        (str(label), url, str(description))
        for label, url_name, description in MAIN_NAVIGATION
        if (url := page_url(url_name))
    )
    return main, tuple((str(place.label), url) for place in places if (url := page_url(place.url_name)))


@caching.memo("web.menus", maxsize=1_024)
def _menus(places: tuple[Workplace, ...], language: str, urlconf: str, prefix: str, current: str) -> Menus:
    main, work = _entries(places, language, urlconf, prefix)
    return Menus(
        main=tuple(NavItem(label, url, description, url == current) for label, url, description in main),
        work=tuple(NavItem(label, url, "", url == current) for label, url in work),
    )


def _is_under(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def menus(request: HttpRequest) -> Menus:
    """The main menu and the signed-in person's own pages (their dossiers and reports, or the back-office pages
    of their roles). One entry is current: the longest URL the page is under ("Phản ánh của tôi", not
    "Phản ánh")."""
    user = getattr(request, "user", None)
    places = menu_places(user) if user is not None else ()
    key = (places, get_language(), *url_setting())
    main, work = _entries(*key)
    path = request.path
    under = [url for _, url, *_ in (*main, *work) if _is_under(path, url)]
    return _menus(*key, max(under, key=len, default=""))


def platform(request: HttpRequest) -> dict:
    province = province_label()
    menu = menus(request)
    return {
        "TINHSO_DEMO": settings.TINHSO_DEMO,
        "TINHSO_PROVINCE": settings.TINHSO_PROVINCE,
        "province_label": province,
        "portal_name": portal_name(province, get_language()),
        "main_navigation": menu.main,
        "work_navigation": menu.work,
    }
