"""The lifecycle of a unit's report for a period, declared once (DHIS2's two-step approval: the level above
accepts, which freezes the values, then approves). Services enforce it, `selectors.allowed_actions` reads it
for the page and the API, tests import it and `docs/lifecycles.md` is generated from it."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import Lifecycle, Party, Transition
from tinhso.reporting import events
from tinhso.reporting.models import Status

UNIT = Party(
    "unit",
    _("cán bộ báo cáo hoặc lãnh đạo của đơn vị báo cáo"),
    _("Chỉ đơn vị báo cáo được làm việc này."),
    "not_the_reporting_unit",
)
ABOVE = Party(
    "above",
    _("lãnh đạo của cấp nhận báo cáo (cấp trên của đơn vị)"),
    _("Chỉ lãnh đạo cấp nhận báo cáo được làm việc này."),
    "not_allowed",
)

LIFECYCLE = Lifecycle(
    name="report",
    title=_("Báo cáo định kỳ của đơn vị"),
    subject=_("báo cáo"),
    states=Status,
    transitions=(
        Transition("submit", (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, (UNIT,), events.SUBMITTED,
                   title=_("Gửi báo cáo"), doing=_("gửi báo cáo"), expected=True),
        Transition("accept", (Status.SUBMITTED,), Status.ACCEPTED, (ABOVE,), events.ACCEPTED,
                   title=_("Tiếp nhận"), doing=_("tiếp nhận"), expected=True),
        Transition("approve", (Status.ACCEPTED,), Status.APPROVED, (ABOVE,), events.APPROVED,
                   title=_("Phê duyệt"), doing=_("phê duyệt"), expected=True),
        Transition("return", (Status.SUBMITTED, Status.ACCEPTED, Status.APPROVED), Status.RETURNED, (ABOVE,),
                   events.RETURNED, title=_("Trả lại"), doing=_("trả lại"), destructive=True),
    ),
    notes=(
        "A report may be approved only once every unit reporting to its unit is approved, and every mismatch "
        "with the platform's own figures is explained.",
        "Submitting needs no HIGH rule broken and every other finding explained; a resubmission states its reason.",
    ),
)  # fmt: skip
# Returning needs a reason; values may be typed only while the unit holds the report.
NEEDS_REASON = {"return"}
EDITABLE = (Status.DRAFT, Status.RETURNED)
