"""The demo's history: about two years of a province's dossiers and field reports at a modest volume, written
by the generator beside the hand-made cases, so every chart, ranking, map and drill-down of the operations
centre has something true to show."""

from datetime import timedelta

from django.utils import timezone

from tinhso.dossiers.models import Dossier
from tinhso.generator.services import generate
from tinhso.notifications import demo_data as notifications_demo
from tinhso.notifications import services as notifications

# A province's month at a small scale: a few hundred dossiers and a few dozen reports, over 24 months.
DEMO_HISTORY = {"dossiers": 4000, "reports": 600, "months": 24}
# History is there once a dossier older than this exists (the hand-made cases are all recent).
HISTORY_AGE = timedelta(days=60)


def has_history() -> bool:
    return Dossier.objects.filter(submitted_at__lt=timezone.now() - HISTORY_AGE).exists()


def load_demo(*, with_accounts: bool) -> list[str]:
    """In demo mode, writes the history once (a second `load-demo` finds it and adds nothing)."""
    if not with_accounts:
        return []
    if has_history():
        return notifications_demo.load()
    # The hand-made cases' notices go out now; the history written next lies in the past and tells no one,
    # so the job consumer's first run does not hold SQLite's write lock over every generated event.
    notifications.deliver_notifications()
    summary = generate(
        dossiers=DEMO_HISTORY["dossiers"],
        reports=DEMO_HISTORY["reports"],
        months=DEMO_HISTORY["months"],
        seed=2026,
    )
    dossiers, reports = (f"{count:,}".replace(",", ".") for count in (summary.dossiers, summary.reports))
    history = (
        f"lịch sử mẫu: {dossiers} hồ sơ, {reports} phản ánh trong {DEMO_HISTORY['months']} tháng (tinhso gen)"
    )
    # After every hand-made case and the history, so only what the demo user does next is mailed.
    return [history, *notifications_demo.load()]
