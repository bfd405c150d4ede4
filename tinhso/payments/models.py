"""The payment ledger: an order per fee due on a dossier, its fee lines (integer đồng, never floats) and every
callback a gateway sent about it, kept append-only with the result of its verification."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import Dossier


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Chờ thanh toán")
    PENDING = "pending", _("Đang thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Thanh toán không thành công")
    EXPIRED = "expired", _("Hết hạn thanh toán")
    REFUNDED = "refunded", _("Đã hoàn tiền")


OPEN = (OrderStatus.CREATED, OrderStatus.PENDING)
# An order in one of these still answers for its fee: a second order for the same fee is the same order.
HOLDS_THE_FEE = (*OPEN, OrderStatus.PAID, OrderStatus.REFUNDED)


class Provider(models.TextChoices):
    VNPAY = "vnpay", _("VNPay")
    VIETQR = "vietqr", _("Chuyển khoản VietQR")
    DVCQG = "dvcqg", _("Nền tảng thanh toán Cổng Dịch vụ công quốc gia")


class Purpose(models.TextChoices):
    SUBMISSION = "submission", _("Phí, lệ phí nộp khi nộp hồ sơ")
    REQUESTED = "requested", _("Nghĩa vụ tài chính theo yêu cầu của cơ quan giải quyết")


class FeeKind(models.IntegerChoices):
    CHARGE = 1, _("Phí")  # LoaiPhiLePhi 1
    LEVY = 2, _("Lệ phí")  # LoaiPhiLePhi 2


class PaymentOrder(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # vnp_TxnRef, MaThamChieu, the VietQR code
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payment_orders")
    # Which fee of the dossier: "submission", or "requested:<id of the dossier's payment request event>".
    due_key = models.CharField(max_length=40)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()  # đồng
    provider = models.CharField(max_length=8, choices=Provider.choices, blank=True)
    status = models.CharField(max_length=8, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)  # vnp_CreateDate of the pay request
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    transaction_no = models.CharField(max_length=40, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # A double click or a retry finds the order already there: one order per fee due.
            models.UniqueConstraint(
                fields=["dossier", "due_key"],
                condition=Q(status__in=[str(status) for status in HOLDS_THE_FEE]),
                name="one_live_order_per_fee",
            ),
        ]
        indexes = [models.Index(fields=["status", "started_at"], name="payment_status_started")]

    def __str__(self) -> str:
        return self.reference


class FeeLine(models.Model):
    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="lines")
    kind = models.PositiveSmallIntegerField(choices=FeeKind.choices)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=300)
    amount = models.BigIntegerField()  # đồng

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fee_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class CallbackKind(models.TextChoices):
    IPN = "ipn", _("Thông báo kết quả (IPN)")
    QUERYDR = "querydr", _("Truy vấn giao dịch")
    REFUND = "refund", _("Hoàn tiền")
    CONFIRM = "confirm", _("Xác nhận của Cổng DVCQG")
    STATEMENT = "statement", _("Sao kê ngân hàng")


class Callback(models.Model):
    """What a gateway told us, as received, and what we made of it. Rows are only ever inserted."""

    order = models.ForeignKey(
        PaymentOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks"
    )
    provider = models.CharField(max_length=8, choices=Provider.choices)
    kind = models.CharField(max_length=10, choices=CallbackKind.choices)
    reference = models.CharField(max_length=100, blank=True)  # as the gateway sent it, known order or not
    params = models.JSONField()
    verified = models.BooleanField()  # the signature or checksum matched
    answer = models.CharField(max_length=4)  # the code we answered or concluded (RspCode, MaLoi)
    received_at = models.DateTimeField()
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["order", "received_at"], name="payment_callback_order")]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.reference}: {self.answer}"


class Outcome(models.TextChoices):
    MATCHED = "matched", _("Khớp")
    MISSING_HERE = "missing_here", _("Có ở đối tác, không có trên hệ thống")
    MISSING_THERE = "missing_there", _("Có trên hệ thống, không có ở đối tác")
    AMOUNT_MISMATCH = "amount_mismatch", _("Lệch số tiền")
    STATUS_MISMATCH = "status_mismatch", _("Lệch trạng thái")


class Reconciliation(models.Model):
    """One day's comparison of the ledger with a provider's transaction file and the bank statement."""

    day = models.DateField()
    ran_at = models.DateTimeField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sources = models.JSONField(default=list)  # the files compared, by name

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


class ReconciliationLine(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="lines")
    source = models.CharField(max_length=10)  # vnpay, dvcqg, statement
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reference = models.CharField(max_length=40, blank=True)
    transaction_no = models.CharField(max_length=60, blank=True)
    amount_here = models.BigIntegerField(null=True, blank=True)
    amount_there = models.BigIntegerField(null=True, blank=True)
    status_here = models.CharField(max_length=8, blank=True)
    status_there = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["reconciliation", "outcome"], name="reconciliation_outcome")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.outcome}"
