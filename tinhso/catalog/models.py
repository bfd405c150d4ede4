"""Administrative procedures, versioned: a published change is a new row, never an edit of an old one."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.language import in_active_language
from tinhso.core.models import AdminUnit, Role


class Procedure(models.Model):
    """One version of a procedure; dossiers point at the exact version they were received under."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        COMMUNE = "commune", _("Cấp xã")

    class OnlineLevel(models.TextChoices):
        FULL = "full", _("Toàn trình")
        PARTIAL = "partial", _("Một phần")

    code = models.CharField(max_length=40, help_text="Mã thủ tục trên Cơ sở dữ liệu quốc gia, hoặc mã nội bộ")
    code_is_national = models.BooleanField(
        default=True, help_text="Sai khi mã là mã nội bộ, chưa đối chiếu với Cơ sở dữ liệu quốc gia"
    )
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    name = models.CharField(max_length=400)
    sector = models.CharField(max_length=200)
    level = models.CharField(max_length=10, choices=Level.choices)
    # Province-level procedures name their agency; commune-level ones are decided by the commune's committee.
    authority = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="procedures"
    )
    authority_name = models.CharField(max_length=300)
    processing_days = models.PositiveSmallIntegerField(default=0)
    processing_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    cutoff_time = models.TimeField(
        null=True, blank=True, help_text="Hồ sơ tiếp nhận sau giờ này được tính từ ngày làm việc tiếp theo"
    )
    fee = models.DecimalField(
        max_digits=12, decimal_places=0, null=True, blank=True, help_text="Đồng; trống khi mức thu thay đổi"
    )
    fee_note = models.CharField(max_length=500, blank=True)
    online_level = models.CharField(max_length=10, choices=OnlineLevel.choices)
    form_schema = models.JSONField(default=dict)
    result_name = models.CharField(max_length=300, blank=True)
    legal_basis = models.TextField(blank=True)
    search_text = models.TextField(blank=True, help_text="Tên và mã không dấu, chữ thường, để tìm kiếm")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["sector", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="procedure_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="procedure_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (v{self.version})"

    @property
    def legal_hours(self) -> Decimal:
        """The legal time in office hours, the unit the internal steps are allotted in."""
        if self.processing_days:
            from tinhso.core.working_time import working_day_length

            return Decimal(self.processing_days) * Decimal(working_day_length().total_seconds()) / 3600
        return self.processing_hours


class RequiredDocument(models.Model):
    class Form(models.TextChoices):
        ORIGINAL = "original", _("Bản chính")
        COPY = "copy", _("Bản sao")
        CERTIFIED_COPY = "certified_copy", _("Bản sao có chứng thực")
        ORIGINAL_OR_COPY = "original_or_copy", _("Bản chính hoặc bản sao")

    class Source(models.TextChoices):
        APPLICANT = "", _("Người nộp cung cấp")
        DATA_STORE = "data_store", _("Lấy từ kho dữ liệu của công dân")
        POPULATION_REGISTRY = "population_registry", _("Lấy từ Cơ sở dữ liệu quốc gia về dân cư")
        FORM = "form", _("Kê khai trên tờ khai của hồ sơ")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=500)
    mandatory = models.BooleanField(default=True)
    form = models.CharField(max_length=20, choices=Form.choices)
    reusable_from = models.CharField(max_length=20, choices=Source.choices, blank=True)

    class Meta:
        ordering = ["procedure", "order"]
        constraints = [models.UniqueConstraint(fields=["procedure", "order"], name="document_order")]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """A step of the internal process: who handles it, where, and in how many office hours."""

    class UnitKind(models.TextChoices):
        RECEIVING = "receiving", _("Bộ phận một cửa nơi tiếp nhận")
        AUTHORITY = "authority", _("Cơ quan có thẩm quyền giải quyết")
        FIXED = "fixed", _("Đơn vị được chỉ định")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300)
    # Shown in English mode; empty falls back to the Vietnamese name.
    name_en = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    unit_kind = models.CharField(max_length=10, choices=UnitKind.choices)
    unit = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["procedure", "order"]
        constraints = [models.UniqueConstraint(fields=["procedure", "order"], name="step_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def display_name(self) -> str:
        return in_active_language(vi=self.name, en=self.name_en)


class Bundle(models.Model):
    """Interconnected procedures (Đề án 06): one application creates a linked dossier for each."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=400)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    procedure_code = models.CharField(max_length=40)

    class Meta:
        ordering = ["bundle", "order"]
        constraints = [models.UniqueConstraint(fields=["bundle", "procedure_code"], name="bundle_item_once")]

    def __str__(self) -> str:
        return f"{self.bundle.code}: {self.procedure_code}"
