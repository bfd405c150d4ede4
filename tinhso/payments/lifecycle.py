"""A payment order's lifecycle, declared once: created → pending → paid | failed | expired, and paid → refunded.
Only a verified gateway notice (IPN, confirm callback, querydr answer, matched bank statement) pays or fails an
order; the browser's return from the gateway only shows the outcome."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import Lifecycle, Party, Transition
from tinhso.payments import events
from tinhso.payments.models import OrderStatus

PAYER = Party(
    "payer", _("người nộp hồ sơ"), _("Chỉ người nộp hồ sơ được thanh toán lệ phí này."), "not_payer"
)
GATEWAY = Party(
    "gateway",
    _("cổng thanh toán, qua thông báo đã xác thực chữ ký"),
    _("Chỉ thông báo đã xác thực của cổng thanh toán thay đổi được trạng thái thanh toán."),
    "not_gateway",
)
SCHEDULER = Party(
    "scheduler", _("tác vụ định kỳ của hệ thống"), _("Chỉ tác vụ định kỳ đóng lệnh hết hạn."), "not_scheduler"
)
BANK_STATEMENT = Party(
    "bank_statement",
    _("cán bộ một cửa của nơi tiếp nhận, theo sao kê ngân hàng khớp mã thanh toán và số tiền"),
    _("Chỉ cán bộ một cửa của nơi tiếp nhận hồ sơ được đối chiếu sao kê."),
    "not_receptionist",
)
DESK = Party(
    "desk",
    _("cán bộ một cửa của nơi tiếp nhận hồ sơ"),
    _("Chỉ cán bộ một cửa của nơi tiếp nhận hồ sơ được hoàn tiền."),
    "not_receptionist",
)

LIFECYCLE = Lifecycle(
    name="payment_order",
    title=_("Lệnh thanh toán phí, lệ phí"),
    subject=_("lệnh thanh toán này"),
    states=OrderStatus,
    transitions=(
        Transition(
            "start",
            (OrderStatus.CREATED, OrderStatus.PENDING),
            OrderStatus.PENDING,
            (PAYER,),
            events.ORDER_STARTED,
            title=_("Thanh toán"),
            doing=_("thanh toán"),
            expected=True,
        ),
        Transition(
            "settle",
            (OrderStatus.CREATED, OrderStatus.PENDING),
            OrderStatus.PAID,
            (BANK_STATEMENT, GATEWAY),
            events.ORDER_PAID,
            title=_("Ghi nhận đã thanh toán"),
            doing=_("ghi nhận đã thanh toán"),
            expected=True,
        ),
        Transition(
            "fail",
            (OrderStatus.CREATED, OrderStatus.PENDING),
            OrderStatus.FAILED,
            (GATEWAY,),
            events.ORDER_FAILED,
            title=_("Ghi nhận thanh toán không thành công"),
            doing=_("ghi nhận thanh toán không thành công"),
        ),
        Transition(
            "expire",
            (OrderStatus.CREATED, OrderStatus.PENDING),
            OrderStatus.EXPIRED,
            (SCHEDULER,),
            events.ORDER_EXPIRED,
            title=_("Đóng lệnh hết hạn"),
            doing=_("đóng lệnh hết hạn"),
            destructive=True,
        ),
        Transition(
            "refund",
            (OrderStatus.PAID,),
            OrderStatus.REFUNDED,
            (DESK,),
            events.ORDER_REFUNDED,
            title=_("Hoàn tiền"),
            doing=_("hoàn tiền"),
            destructive=True,
        ),
    ),
)
