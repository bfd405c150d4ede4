"""An official's daily digest: what waits for them, counted by the dossier queue's and the field reports'
own selectors, and the one line that tells it. Nothing here writes."""

from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.core.models import User
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.fieldreports import selectors as report_selectors
from tinhso.notifications.models import OutboxMessage, Preference

TEMPLATE = "daily_digest"  # the outbox template key of digests


@dataclass(frozen=True)
class Work:
    dossiers_waiting: int
    dossiers_due_today: int
    dossiers_overdue: int
    reports_assigned: int
    reports_overdue: int
    notices_held: int  # notices the official chose to get in the digest instead of one by one

    def __bool__(self) -> bool:
        return any(asdict(self).values())

    def as_context(self) -> dict[str, str]:
        return {name: str(count) for name, count in asdict(self).items()}


def readers() -> list[int]:
    """The active officials who chose a daily digest."""
    chosen = Preference.objects.filter(daily_digest=True, user__is_active=True)
    return list(chosen.exclude(user__account_type=User.AccountType.CITIZEN).values_list("user_id", flat=True))


def work_of(*, user: User, now: datetime, held: int) -> Work:
    """`held`: the official's notices waiting for the digest (held_counts, read for all at once)."""
    dossiers = dossier_selectors.queue_counts(actor=user, now=now)
    reports = report_selectors.handler_counts(user=user, now=now)
    return Work(
        dossiers_waiting=dossiers.waiting,
        dossiers_due_today=dossiers.due_today,
        dossiers_overdue=dossiers.overdue,
        reports_assigned=reports.assigned,
        reports_overdue=reports.overdue,
        notices_held=held,
    )


def link_of(work: Work) -> str:
    """The official's dossier queue, or their field reports when only those wait."""
    only_reports = work.reports_assigned and not (work.dossiers_waiting or work.notices_held)
    return reverse("fieldreports:staff-list") if only_reports else reverse("dossiers:queue")


def held(*, user_id: int) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(recipient_id=user_id, status=OutboxMessage.Status.HELD)


def held_counts(*, user_ids: list[int]) -> dict[int, int]:
    """Each official's notices waiting for the digest (those with none are missing)."""
    rows = OutboxMessage.objects.filter(recipient_id__in=user_ids, status=OutboxMessage.Status.HELD)
    return dict(rows.order_by().values_list("recipient_id").annotate(count=Count("pk")))


def written_on(*, day: date, user_ids: list[int]) -> set[int]:
    """The officials whose digest of the day is written already."""
    rows = OutboxMessage.objects.filter(recipient_id__in=user_ids, digest_on=day)
    return set(rows.values_list("recipient_id", flat=True))


def params(context: dict[str, str]) -> dict[str, str]:
    """The digest template's values in the active language: the day, and only the counts that are not zero."""
    parts = {
        "dossiers_waiting": _("%(count)s hồ sơ chờ xử lý"),
        "dossiers_due_today": _("%(count)s hồ sơ đến hạn hôm nay"),
        "dossiers_overdue": _("%(count)s hồ sơ quá hạn"),
        "reports_assigned": _("%(count)s phản ánh được giao"),
        "reports_overdue": _("%(count)s phản ánh quá hạn"),
        "notices_held": _("%(count)s thông báo mới"),
    }
    counts = "; ".join(
        part % {"count": context[name]} for name, part in parts.items() if context.get(name, "0") != "0"
    )
    day = date.fromisoformat(context["day"]).strftime("%d/%m/%Y")
    return {"day": day, "counts": counts}
