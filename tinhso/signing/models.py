"""Documents the platform signed: the signed copy (private), its SHA-256 and its public verification code."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.files import private_storage
from tinhso.core.models import Event


class SignedDocument(models.Model):
    """A signed PDF. `code` is printed in its stamp and QR code; `subject` names, without personal data, the
    dossier or receipt it belongs to; `owner` is the citizen whose data store holds it, if any."""

    class Kind(models.TextChoices):
        RESULT = "result", _("Kết quả giải quyết thủ tục hành chính")
        RECEIPT = "receipt", _("Biên lai thu phí, lệ phí")
        FORM = "form", _("Biểu mẫu của bộ phận một cửa")
        REPORT = "report", _("Báo cáo")

    code = models.CharField(max_length=16)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=64, help_text="Code of the dossier or receipt it belongs to")
    part = models.CharField(max_length=40, blank=True, help_text="Which of the subject's documents (a form)")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="signing/%Y/%m/", storage=private_storage)
    sha256 = models.CharField(max_length=64)
    signer = models.CharField(max_length=300)
    serial = models.CharField(max_length=64)
    timestamped = models.BooleanField()
    signed_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The event the platform signed it after (rules.py): one signed document per event, however many job
    # runs see the event at once. No database constraint: the event log is partitioned on PostgreSQL.
    source_event = models.OneToOneField(
        Event,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_document",
        db_constraint=False,
    )

    class Meta:
        ordering = ["-signed_at"]
        constraints = [models.UniqueConstraint(fields=["code"], name="signed_document_code_unique")]
        indexes = [
            models.Index(fields=["sha256"]),
            models.Index(fields=["subject", "kind"]),
            models.Index(fields=["owner", "kind"]),
        ]

    def __str__(self) -> str:
        return self.code


class SigningCursor(models.Model):
    """When the signing job last started; the next run looks back from there by a grace period."""

    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"signed up to {self.last_run_at}"
