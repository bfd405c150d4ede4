"""Citizens' field reports: categories with deadlines, routing rules, reports, photos, partner API keys."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.files import PrivateFileSystemStorage, private_storage
from tinhso.core.language import in_active_language
from tinhso.core.models import AdminUnit

# Named by migration 0001; originals now use the platform's one private storage (core.files).
PrivateStorage = PrivateFileSystemStorage


class Category(models.Model):
    """A kind of problem; groups (no parent) hold the categories a citizen picks from (two levels)."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("Khẩn cấp")
        IMMEDIATE = "immediate", _("Xử lý ngay")
        SCHEDULED = "scheduled", _("Có thời hạn")

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    # Shown in English mode; empty falls back to the Vietnamese name.
    name_en = models.CharField(max_length=150, blank=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.SCHEDULED)
    # Handling deadline in working time: whole working days, or office hours for urgent kinds.
    deadline_days = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    keywords = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("Lĩnh vực phản ánh")
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True)
                | Q(deadline_days__isnull=True) ^ Q(deadline_hours__isnull=True),
                name="category_one_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(urgency="urgent") | Q(deadline_days__isnull=True) | Q(deadline_days__lte=1),
                name="category_urgent_within_one_day",
            ),
            models.CheckConstraint(
                condition=~Q(urgency="immediate") | Q(deadline_days__isnull=True) | Q(deadline_days__lte=3),
                name="category_immediate_within_three_days",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return in_active_language(vi=self.name, en=self.name_en)

    @property
    def is_group(self) -> bool:
        return self.parent_id is None


class CategoryAttribute(models.Model):
    """An extra question asked for a category (an Open311 service definition attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLE = "singlevaluelist", "singlevaluelist"
        MULTI = "multivaluelist", "multivaluelist"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(max_length=60)
    datatype = models.CharField(max_length=16, choices=Datatype.choices)
    required = models.BooleanField(default=False)
    description = models.CharField(max_length=300)
    datatype_description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # [[key, name], ...] for the list datatypes.
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_attribute_code"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"


class RoutingRule(models.Model):
    """Which unit handles a category in a commune; the most specific rule wins, then the lowest order."""

    class Target(models.TextChoices):
        COMMUNE_COMMITTEE = "commune_committee", _("Ủy ban nhân dân xã, phường nơi xảy ra")
        FIXED_UNIT = "fixed_unit", _("Một cơ quan cố định")

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    commune = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=20, choices=Target.choices)
    unit = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target="fixed_unit", unit__isnull=False)
                | Q(target="commune_committee", unit__isnull=True),
                name="routing_rule_target_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} @ {self.commune or '*'} → {self.unit or self.get_target_display()}"


class ApiKey(models.Model):
    """A partner application allowed to file reports through Open311; only the key's SHA-256 is stored."""

    name = models.CharField(max_length=150)
    prefix = models.CharField(max_length=12, help_text="The key's first characters, to recognise it")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Report(models.Model):
    """A citizen's report of a problem at a place, and its handling."""

    class Status(models.TextChoices):
        ROUTED = "routed", _("Đã chuyển đơn vị xử lý")
        ACKNOWLEDGED = "acknowledged", _("Đang xử lý")
        RESOLVED = "resolved", _("Đã xử lý, chờ duyệt kết quả")
        REOPENED = "reopened", _("Đang xử lý lại")
        PUBLISHED = "published", _("Đã có kết quả")
        REJECTED = "rejected", _("Không tiếp nhận")
        MERGED = "merged", _("Đã gộp vào phản ánh khác")

    OPEN_STATUSES = (Status.ROUTED, Status.ACKNOWLEDGED, Status.RESOLVED, Status.REOPENED)
    CLOSED_STATUSES = (Status.PUBLISHED, Status.REJECTED, Status.MERGED)

    class Source(models.TextChoices):
        WEB = "web", _("Cổng thông tin")
        OPEN311 = "open311", _("Ứng dụng đối tác (Open311)")
        STAFF = "staff", _("Cán bộ tách từ phản ánh khác")

    tracking_code = models.CharField(max_length=20, unique=True)
    # Returned to Open311 partners, who may look the report up by it (GET tokens/{token}).
    token = models.CharField(max_length=40, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(max_length=4000)
    attributes = models.JSONField(default=dict, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    address = models.CharField(max_length=300, blank=True)
    commune = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    responsible_unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="field_reports")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    partner = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    # Personal data: never shown publicly, never written into events, erasable once the report is closed.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(max_length=150, blank=True)
    reporter_phone = models.CharField(max_length=20, blank=True)
    reporter_email = models.EmailField(blank=True)
    personal_data_removed_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ROUTED)
    submitted_at = models.DateTimeField()
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    satisfied = models.BooleanField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="split_parts"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("Phản ánh hiện trường")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["category", "submitted_at"]),
            models.Index(fields=["latitude", "longitude"]),
            # The public list's order and the state its kept count and map points are keyed by.
            models.Index(fields=["submitted_at", "id"], name="fieldreport_submitted"),
            models.Index(fields=["updated_at"], name="fieldreport_updated"),
            # The officials' list: open reports, soonest deadline first, read in order a page at a time.
            models.Index(
                fields=["due_at", "id"],
                name="fieldreport_open_due",
                # One equality per status: PostgreSQL prints this form back as it reads it, so the generator's
                # deferred rebuild (tinhso.generator.indexes) recreates the same index.
                condition=Q(status="routed")
                | Q(status="acknowledged")
                | Q(status="resolved")
                | Q(status="reopened"),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


def _photo_name(instance: "ReportPhoto", filename: str) -> str:
    return f"fieldreports/{filename}"


class ReportPhoto(models.Model):
    """A photo of the problem (from the reporter) or of the result (from the unit)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Ảnh phản ánh")
        RESULT = "result", _("Ảnh kết quả xử lý")

    class State(models.TextChoices):
        PENDING = "pending", _("Đang xử lý ảnh")
        PUBLIC = "public", _("Đã công bố")
        REFUSED = "refused", _("Ảnh hỏng, không công bố")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    # The public copy is re-encoded without EXIF (no GPS, no camera serial) by a job after the upload; only
    # then is the photo shown. The original stays private.
    image = models.FileField(upload_to=_photo_name, blank=True)
    original = models.FileField(upload_to=_photo_name, storage=private_storage, blank=True)
    state = models.CharField(max_length=7, choices=State.choices, default=State.PENDING)
    refusal = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        indexes = [
            models.Index(
                fields=["uploaded_at"], condition=models.Q(state="pending"), name="fieldreport_photo_waiting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.kind} {self.pk}"


class Follow(models.Model):
    """A signed-in citizen following a report someone else filed, instead of filing the same problem again."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    followed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.report}"
