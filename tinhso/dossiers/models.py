"""Dossiers and their one-stop lifecycle, with the national status codes 1–10."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Procedure, ProcessStep
from tinhso.core.files import private_storage
from tinhso.core.models import AdminUnit


class Status(models.IntegerChoices):
    """The codes used when dossiers are synchronised to the national portal."""

    NEW = 1, _("Mới đăng ký")
    ACCEPTED = 2, _("Được tiếp nhận")
    REFUSED = 3, _("Không được tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    SUPPLEMENT = 5, _("Yêu cầu bổ sung giấy tờ")
    PAYMENT = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    FINISHED = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class Channel(models.IntegerChoices):
    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính công ích")


class Rating(models.IntegerChoices):
    UNSATISFIED = 1, _("Không hài lòng")
    SATISFIED = 2, _("Hài lòng")
    VERY_SATISFIED = 3, _("Rất hài lòng")


class Dossier(models.Model):
    code = models.CharField(max_length=60)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers")
    # Looked up through the (applicant, submitted_at) index; one of its own would only slow every insert.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    receiving_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="received_dossiers")
    authority_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="decided_dossiers")
    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.NEW)
    form_data = models.JSONField(default=dict)
    group_code = models.CharField(
        max_length=60, blank=True, help_text="Mã hồ sơ đầu tiên của nhóm liên thông"
    )

    submitted_at = models.DateTimeField()
    acknowledge_due_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    promised_at = models.DateTimeField(null=True, blank=True)
    original_promised_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Refused, withdrawn or stopped")

    current_step = models.ForeignKey(
        ProcessStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current_unit = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The official named to handle the current step, when the one forwarding chose one (no index: nothing
    # looks dossiers up by it yet, and every submission would pay for one).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the job flagged the current step (or reception) as overdue"
    )

    consulted_unit = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="consulted_dossiers"
    )
    consult_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)
    paused_total = models.DurationField(
        default=timedelta, help_text="Office time spent waiting for supplements"
    )

    result_file = models.FileField(upload_to="dossiers/results/%Y/%m/", storage=private_storage, blank=True)
    result_note = models.CharField(max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices, null=True, blank=True)
    rating_comment = models.CharField(max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at"]
        # A constraint, not unique=True: PostgreSQL gets no second (LIKE) index on the code, which nothing
        # searches by prefix.
        constraints = [models.UniqueConstraint(fields=["code"], name="dossier_code_unique")]
        indexes = [
            models.Index(fields=["status", "current_unit"]),
            models.Index(fields=["applicant", "submitted_at"]),
            # The official's queue (`queue_sql`) read from open dossiers only, soonest due first, without the
            # table: a desk's new dossiers, and the dossiers at a step in a unit.
            models.Index(
                fields=["receiving_unit", "acknowledge_due_at"],
                include=["id", "procedure"],
                condition=models.Q(status=Status.NEW),
                name="dossier_new_by_due",
            ),
            models.Index(
                fields=["current_unit", "step_due_at"],
                include=["id", "current_step", "procedure"],
                condition=models.Q(status__in=[Status.ACCEPTED, Status.PROCESSING, Status.FINISHED]),
                name="dossier_open_at_step",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_late(self) -> bool:
        """Late against the original promise: an apology moves the date but not the verdict."""
        if self.original_promised_at is None:
            return False
        done = self.finished_at
        return done > self.original_promised_at if done else False


class DossierDocument(models.Model):
    """A file the applicant attached, checked by its content, size and count before it was stored."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="dossiers/documents/%Y/%m/", storage=private_storage)
    requirement = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Order of the procedure's required document this file is"
    )
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["dossier", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class DossierCounter(models.Model):
    """The last sequence number given by a receiving unit on a local day."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="dossier_counter_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}: {self.last}"
