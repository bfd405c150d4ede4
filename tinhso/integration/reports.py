"""B11 reports for administrators: the platform's traffic over a period (calls per partner, service and status
from the exchange log; webhook deliveries and messages to the national portal by state; open-data figures
read through opendata's selectors), and the Decision 766 self-check computed from what the national portal
was sent (the outbox messages), not from the dossiers: what VPCP will compute, and the gaps it will see."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import User
from tinhso.integration.models import ExchangeLog, PortalMessage, WebhookDelivery
from tinhso.integration.portal import RESULTS, SUBMITTED
from tinhso.integration.selectors import require_admin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ONLINE = "2"  # KenhThucHien: 1 in person, 2 online, 3 public postal service
# Fields VPCP reads for "Số hóa hồ sơ" that the portal's 2020 guide carries in DongBoHoSoMC.
DIGITISED_FIELDS = (SUBMITTED, RESULTS)


@dataclass(frozen=True)
class CallRow:
    chain: str
    direction: str
    service: str
    status: int
    calls: int
    request_bytes: int
    response_bytes: int


@dataclass
class Traffic:
    calls: list[CallRow]
    deliveries: dict[str, int]
    portal_messages: dict[str, int]
    datasets_per_organization: list[tuple[str, int]]
    datasets_per_theme: list[tuple[str, int]]


def traffic(*, actor: User, since: datetime, until: datetime) -> Traffic:
    """Calls through the platform between `since` and `until`, and what was sent out in that time."""
    from tinhso.opendata import selectors as opendata_selectors

    require_admin(actor)
    rows = (
        ExchangeLog.objects.filter(started_at__gte=since, started_at__lt=until)
        .values_list("chain", "direction", "service", "status")
        .annotate(calls=Count("id"), sent=Sum("request_bytes"), answered=Sum("response_bytes"))
        .order_by("chain", "direction", "service", "status")
    )
    deliveries = WebhookDelivery.objects.filter(created_at__gte=since, created_at__lt=until)
    messages = PortalMessage.objects.filter(created_at__gte=since, created_at__lt=until)
    opendata = opendata_selectors.statistics()
    return Traffic(
        calls=[CallRow(*row) for row in rows],
        deliveries=_by_state(deliveries),
        portal_messages=_by_state(messages),
        datasets_per_organization=opendata.per_organization,
        datasets_per_theme=opendata.per_theme,
    )


def _by_state(rows: QuerySet) -> dict[str, int]:
    return dict(rows.values_list("state").annotate(n=Count("id")).order_by("state"))


# --- The 766 self-check ------------------------------------------------------------------------------------


@dataclass
class Ratio:
    label: "StrOrPromise"
    count: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.total, 1) if self.total else None


@dataclass
class SelfCheck:
    """Decision 766's ratios as VPCP computes them from the synced data, with the gaps found in it."""

    on_time: Ratio = field(default_factory=lambda: Ratio(_("Hồ sơ giải quyết đúng hạn")))
    online: Ratio = field(default_factory=lambda: Ratio(_("Hồ sơ nộp trực tuyến")))
    digitised: Ratio = field(default_factory=lambda: Ratio(_("Hồ sơ được số hóa (thành phần và kết quả)")))
    unacknowledged: int = 0  # dossiers whose last status the portal has not acknowledged
    without_due_date: int = 0  # finished dossiers sent without NgayHenTra: VPCP cannot judge them on time

    @property
    def ratios(self) -> dict[str, Ratio]:
        return {"on_time": self.on_time, "online": self.online, "digitised": self.digitised}


def self_check(*, actor: User, since: datetime, until: datetime) -> SelfCheck:
    """Each dossier as its newest outbox message describes it: received in the period (online or not),
    finished in the period (by NgayHenTra or late), digitised when that message reached the portal carrying
    both digitisation lists (the relay writes them into the message as it sends it)."""
    require_admin(actor)
    check = SelfCheck()
    for body, state in _last_messages().values_list("body", "state").iterator(chunk_size=2000):
        received, finished = _instant(body.get("NgayTiepNhan")), _instant(body.get("NgayKetThucXuLy"))
        in_period = [moment is not None and since <= moment < until for moment in (received, finished)]
        if any(in_period) and state != PortalMessage.State.ACKNOWLEDGED:
            check.unacknowledged += 1
        if in_period[0]:
            _count(check.online, body.get("KenhThucHien") == ONLINE)
        if in_period[1]:
            synced = state == PortalMessage.State.ACKNOWLEDGED
            _finished(check, body, finished, synced=synced)  # type: ignore[arg-type]
    return check


def _last_messages() -> QuerySet[PortalMessage]:
    newest = (
        PortalMessage.objects.filter(dossier=OuterRef("dossier")).values("dossier").annotate(m=Max("seq"))
    )
    return PortalMessage.objects.filter(seq=Subquery(newest.values("m")))


def _finished(check: SelfCheck, body: dict, finished: datetime, *, synced: bool) -> None:
    due = _instant(body.get("NgayHenTra"))
    if due is None:
        check.without_due_date += 1
    else:
        _count(check.on_time, finished <= due)
    _count(check.digitised, synced and all(body.get(name) for name in DIGITISED_FIELDS))


def _count(ratio: Ratio, hit: bool) -> None:
    ratio.total += 1
    ratio.count += int(hit)


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
