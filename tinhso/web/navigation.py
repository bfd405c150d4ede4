"""Where each person works: the pages their roles open, the first of which is their start page after sign-in.

One table for the menu and the redirect after sign-in, so a role never lands on a page its menu does not offer.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core.display import page_url
from tinhso.core.models import AdminUnit, Domain, Role, User


# Compared and hashed as themselves (each is one of the constants below): a menu is kept per set of places.
@dataclass(frozen=True, eq=False)
class Workplace:
    label: Promise
    url_name: str
    # The roles that work on this page; empty for a citizen's own pages.
    roles: tuple[str, ...]
    # The domain a role must cover (when roles carry one): "" for any.
    domain: str = ""


CITIZEN_PLACES = (
    Workplace(_("Hồ sơ của tôi"), "dossiers:mine", ()),
    Workplace(_("Phản ánh của tôi"), "fieldreports:my-reports", ()),
    Workplace(_("Kho dữ liệu của tôi"), "signing:data-store", ()),
)
LEADERS = (Role.PROVINCE_LEADER, Role.UNIT_LEADER)
DOSSIER_PLACE = Workplace(
    _("Hồ sơ cần xử lý"), "dossiers:queue", (Role.RECEPTIONIST, Role.SPECIALIST, Role.UNIT_LEADER), "dossiers"
)
REPORT_PLACE = Workplace(
    _("Phản ánh cần xử lý"),
    "fieldreports:staff-list",
    (Role.RECEPTIONIST, Role.SPECIALIST, Role.UNIT_LEADER, Role.PROVINCE_LEADER),
    "fieldreports",
)
PAYMENT_PLACE = Workplace(
    _("Đối soát thanh toán"), "payments:reconciliations", (Role.RECEPTIONIST, Role.UNIT_LEADER), "dossiers"
)
RECEIPT_PLACE = Workplace(
    _("Biên lai điện tử"), "receipts:collected", (Role.RECEPTIONIST, Role.UNIT_LEADER), "dossiers"
)
IOC_PLACE = Workplace(_("Điều hành"), "ioc:dashboard", LEADERS, Domain.OPERATIONS)
REPORTING_PLACE = Workplace(
    _("Báo cáo định kỳ"), "reporting:index", (Role.REPORTING_OFFICER, *LEADERS), "reporting"
)
OPEN_DATA_PLACE = Workplace(
    _("Dữ liệu mở"), "opendata:manage", (Role.SPECIALIST, Role.UNIT_LEADER), "opendata"
)
ADMIN_PLACE = Workplace(_("Quản trị"), "admin:index", (Role.ADMINISTRATOR,))
INTEGRATION_PLACE = Workplace(_("Tích hợp, chia sẻ dữ liệu"), "integration:admin", (Role.ADMINISTRATOR,))


def _covers(assignment, place: Workplace) -> bool:
    if assignment.role not in place.roles:
        return False
    # Roles scoped to a domain (dossiers, field reports...) open only that domain's pages.
    domain = getattr(assignment, "domain", "") or ""
    return not (place.domain and domain and domain not in (place.domain, Domain.ALL))


def _is_report_coordinator(assignments: list) -> bool:
    """An official over the whole province who is no leader: the field-report coordinating centre."""
    return any(a.unit.kind == AdminUnit.Kind.PROVINCE and a.role not in LEADERS for a in assignments)


OFFICIAL_PLACES = (
    IOC_PLACE, REPORTING_PLACE, DOSSIER_PLACE, RECEIPT_PLACE, REPORT_PLACE, PAYMENT_PLACE, OPEN_DATA_PLACE,
    ADMIN_PLACE, INTEGRATION_PLACE,
)  # fmt: skip
# The menu is kept a minute per account, so pages read no roles for it: a granted or revoked role shows in
# the menu within that time (the pages themselves check the roles on every request).
MENU_SECONDS = 60


def _official_places(user: User) -> list[Workplace]:
    assignments = core_selectors.roles_in_force(user)
    places = [place for place in OFFICIAL_PLACES if any(_covers(a, place) for a in assignments)]
    if ADMIN_PLACE in places and not user.is_staff:
        places.remove(ADMIN_PLACE)
    if REPORT_PLACE in places and _is_report_coordinator(assignments):
        places.remove(REPORT_PLACE)
        places.insert(0, REPORT_PLACE)
    return places


def _places(user: User, *, fresh: bool) -> list[Workplace]:
    if user.is_citizen:
        return list(CITIZEN_PLACES)
    # The account's creation instant is in the key: a database's reused ids never share a menu.
    key = f"workplaces:{user.pk}:{user.date_joined.timestamp()}"
    kept = None if fresh else cache.get(key)
    if kept is None:
        kept = [OFFICIAL_PLACES.index(place) for place in _official_places(user)]
        cache.set(key, kept, MENU_SECONDS)
    return [OFFICIAL_PLACES[index] for index in kept]


def menu_places(user: User) -> tuple[Workplace, ...]:
    """The pages of the person's menu, their start page first (an official's kept a minute)."""
    if not user.is_authenticated:
        return ()
    return tuple(_places(user, fresh=False))


def workplaces(user: User, *, fresh: bool = False) -> list[tuple[str, str]]:
    """(label, URL) of the pages the person works on, their start page first; `fresh` reads the roles now."""
    if not user.is_authenticated:
        return []
    return [
        (str(place.label), url) for place in _places(user, fresh=fresh) if (url := page_url(place.url_name))
    ]


def start_page(user: User) -> str:
    """Where the person lands after signing in: their first workplace, else the home page."""
    places = workplaces(user, fresh=True)
    return places[0][1] if places else reverse("web:home")
