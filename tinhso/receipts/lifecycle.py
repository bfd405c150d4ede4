"""The lifecycle of an electronic receipt: issued, then possibly cancelled, with or without a replacement."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import Lifecycle, Party, Transition
from tinhso.receipts import events
from tinhso.receipts.models import Status

COLLECTOR = Party(
    "collector",
    _("cán bộ một cửa hoặc lãnh đạo của đơn vị thu"),
    _("Chỉ cán bộ của đơn vị thu được hủy hoặc thay thế biên lai."),
    "not_the_collecting_unit",
)

LIFECYCLE = Lifecycle(
    name="receipt",
    title=_("Biên lai thu phí, lệ phí điện tử"),
    subject=_("biên lai"),
    states=Status,
    transitions=(
        Transition("cancel", (Status.ISSUED,), Status.CANCELLED, (COLLECTOR,), events.CANCELLED,
                   title=_("Hủy biên lai"), doing=_("hủy biên lai"), destructive=True),
        Transition("replace", (Status.ISSUED,), Status.CANCELLED, (COLLECTOR,), events.CANCELLED,
                   title=_("Hủy và lập biên lai thay thế"), doing=_("thay thế biên lai"), destructive=True),
    ),
    notes=(
        "Issuing is no transition: a receipt is born issued, after a payment, with the next number of its series.",
        "A replacement is a new receipt with the next number; the cancelled one keeps its number.",
    ),
)  # fmt: skip
