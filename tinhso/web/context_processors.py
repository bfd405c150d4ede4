"""Values every page needs: the province the portal serves and the main navigation."""

from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core import caching, selectors
from tinhso.core.display import page_url
from tinhso.core.errors import NotFound
from tinhso.web.navigation import workplaces

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
    if category == "Thành phố":
        return gettext("thành phố %(name)s") % {"name": name}
    return gettext("tỉnh %(name)s") % {"name": name}


def _is_current(request: HttpRequest, url: str) -> bool:
    return request.path == url if url == "/" else request.path.startswith(url)


def main_navigation(request: HttpRequest) -> list[NavItem]:
    items = []
    for label, url_name, description in MAIN_NAVIGATION:
        url = page_url(url_name)
        if not url:  # the app that owns the page is not installed
            continue
        items.append(
            NavItem(
                label=str(label), url=url, description=str(description), current=_is_current(request, url)
            )
        )
    return items


def work_navigation(request: HttpRequest) -> list[NavItem]:
    """The signed-in person's own pages (their dossiers and reports, or the back-office pages of their roles)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [
        NavItem(label=label, url=url, description="", current=_is_current(request, url))
        for label, url in workplaces(user)
    ]


def _only_closest_current(*menus: list[NavItem]) -> list[list[NavItem]]:
    """One entry is current: the longest URL the page is under ("Phản ánh của tôi", not "Phản ánh")."""
    current = max((item.url for menu in menus for item in menu if item.current), key=len, default=None)
    return [[replace(item, current=item.url == current) for item in menu] for menu in menus]


def platform(request: HttpRequest) -> dict:
    main, work = _only_closest_current(main_navigation(request), work_navigation(request))
    return {
        "TINHSO_DEMO": settings.TINHSO_DEMO,
        "TINHSO_PROVINCE": settings.TINHSO_PROVINCE,
        "province_label": province_label(),
        "main_navigation": main,
        "work_navigation": work,
    }
