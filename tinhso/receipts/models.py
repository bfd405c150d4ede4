"""Electronic receipts for fees and charges (Decree 123/2020, as amended): a series numbered without gaps, and
each receipt with the content the rules require."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import AdminUnit


class ReceiptSeries(models.Model):
    """A collecting unit's receipt form and series for a year (ký hiệu mẫu, ký hiệu ending in E for an
    electronic receipt); `next_number` is taken under the row's lock, so numbers have no gap."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    form_symbol = models.CharField(max_length=20)
    series = models.CharField(max_length=20)
    issuer_name = models.CharField(max_length=300)
    issuer_tax_code = models.CharField(max_length=14)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="receipt_series_unit_year"),
            models.UniqueConstraint(fields=["form_symbol", "series"], name="receipt_series_symbol"),
        ]

    def __str__(self) -> str:
        return f"{self.form_symbol} {self.series}"


class Status(models.IntegerChoices):
    ISSUED = 1, _("Đã phát hành")
    CANCELLED = 2, _("Đã hủy")


class Receipt(models.Model):
    series = models.ForeignKey(ReceiptSeries, on_delete=models.PROTECT, related_name="receipts")
    number = models.PositiveIntegerField()
    code = models.CharField(max_length=40)
    # What it was issued for, once: the payment's key (a retried job finds the receipt already there).
    source = models.CharField(max_length=80)
    dossier_code = models.CharField(max_length=64)
    payer_name = models.CharField(max_length=150)
    payer_address = models.CharField(max_length=300, blank=True)
    payer_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lines = models.JSONField(help_text='[{"kind": "phí" or "lệ phí", "name": ..., "amount": đồng}]')
    total = models.PositiveBigIntegerField()
    total_in_words = models.CharField(max_length=300)
    method = models.CharField(max_length=120)
    transaction_ref = models.CharField(max_length=80)
    paid_at = models.DateTimeField()
    issued_at = models.DateTimeField()
    issuer = models.CharField(max_length=40, help_text="The ReceiptIssuer that issued it")
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.ISSUED)
    cancel_reason = models.CharField(max_length=500, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="receipt_series_number"),
            models.UniqueConstraint(fields=["code"], name="receipt_code"),
            models.UniqueConstraint(fields=["source"], name="receipt_source"),
        ]
        indexes = [models.Index(fields=["dossier_code"])]

    def __str__(self) -> str:
        return self.code


class IssuingCursor(models.Model):
    """When the issuing job last started; the next run looks back from there by a grace period."""

    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"receipts issued up to {self.last_run_at}"
