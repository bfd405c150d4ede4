"""Reporting regimes (Decree 09/2019), versioned indicators (Decree 94/2022 content), forms, typed values with
their revisions, report submissions with their approval state, validation rules, and the platform's own
figures snapshotted at the cut-off."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import AdminUnit


class Regime(models.Model):
    """A reporting regime (chế độ báo cáo) with the components of Decree 09/2019 Art. 7."""

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Định kỳ")
        THEMATIC = "thematic", _("Chuyên đề")
        AD_HOC = "ad_hoc", _("Đột xuất")

    class State(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        ACTIVE = "active", _("Đang áp dụng")
        RETIRED = "retired", _("Ngừng áp dụng")

    class CutoffMode(models.TextChoices):
        DECREE_09 = "decree09", _("Theo Nghị định 09/2019 (ngày 15 đến ngày 14)")
        CALENDAR = "calendar", _("Theo lịch (thống kê)")

    class Frequency(models.TextChoices):
        MONTHLY = "M", _("Hằng tháng")
        QUARTERLY = "Q", _("Hằng quý")
        HALF_YEARLY = "S", _("6 tháng")
        NINE_MONTHS = "N9", _("9 tháng")
        YEARLY = "Y", _("Hằng năm")

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=300, blank=True)  # Art. 7.1
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERIODIC)
    content = models.TextField(blank=True, help_text="Nội dung yêu cầu báo cáo")  # Art. 7.2
    reporters = models.ManyToManyField(AdminUnit, related_name="reporting_regimes", blank=True)  # Art. 7.3
    recipient = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="received_regimes"
    )  # Art. 7.4
    channels = models.JSONField(default=list, blank=True)  # Art. 7.5: ["system", "e-mail", "post", "fax"]
    cutoff_mode = models.CharField(max_length=10, choices=CutoffMode.choices, blank=True)  # Art. 7.6
    frequency = models.CharField(max_length=3, choices=Frequency.choices, blank=True)  # Art. 7.7
    # Art. 7.8: one rule per level, first the reporting units': [{"level": ..., "kind": "working_days"|
    # "day_of_month", "value": n}, ...]
    deadline_rules = models.JSONField(default=list, blank=True)
    outline = models.JSONField(default=list, blank=True, help_text="Đề cương: [{code, title}]")  # Art. 7.9
    procedure_guide = models.TextField(blank=True)  # Art. 7.11
    legal_basis = models.CharField(max_length=200, blank=True, help_text="Số, ngày, cơ quan ban hành")
    expiry_days = models.PositiveSmallIntegerField(
        default=10, help_text="Entry closes this many days after the first level's deadline"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"


class Indicator(models.Model):
    """The stable identity of an indicator; what it means lives in its versions."""

    code = models.CharField(max_length=40, unique=True)
    current_version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.code


class IndicatorVersion(models.Model):
    """One meaning of an indicator. Once published it is never edited: a change makes the next version."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Đơn vị nhập")
        PLATFORM = "platform", _("Tính từ dữ liệu nền tảng")
        STATISTICS = "statistics", _("Cơ quan thống kê")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Cộng")
        AVERAGE = "avg", _("Bình quân")
        LAST = "last", _("Số cuối kỳ")
        NONE = "none", _("Không cộng dồn")

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    parent_code = models.CharField(max_length=40, blank=True, help_text="Mã số ở hệ thống cấp cao hơn")
    name = models.CharField(max_length=300)
    unit_of_measure = models.CharField(max_length=40)
    unit_multiplier = models.SmallIntegerField(default=0)
    # Decree 94/2022: definition, calculation method, main breakdowns, release period, data source.
    definition = models.TextField(blank=True)
    method = models.TextField(blank=True)
    breakdowns = models.CharField(max_length=300, blank=True)
    release_period = models.CharField(max_length=100, blank=True)
    data_source = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.ENTERED)
    derivation = models.CharField(max_length=40, blank=True, help_text="Platform query, for derived rows")
    aggregation = models.CharField(max_length=4, choices=Aggregation.choices, default=Aggregation.SUM)
    value_kinds = models.JSONField(default=list, help_text="period, ytd, pct_prev, pct_yoy, pct_plan")
    disaggregations = models.JSONField(default=list, help_text="[[code, label], ...]; empty: total only")
    decimals = models.PositiveSmallIntegerField(default=0)
    minimum = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    tolerance = models.DecimalField(
        max_digits=6, decimal_places=4, default=0, help_text="Relative difference a cross-check accepts"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "version"], name="indicator_version")]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version}"


class Form(models.Model):
    """A data form (biểu mẫu số liệu) of a regime: its rows are indicator versions."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="forms")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["regime", "code"], name="form_code_per_regime")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class FormRow(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="rows")
    order = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=200, blank=True)
    indicator_version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["form", "order"], name="form_row_order")]

    def __str__(self) -> str:
        return f"{self.form_id} #{self.order}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Đã gửi")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    APPROVED = "approved", _("Đã phê duyệt")
    RETURNED = "returned", _("Bị trả lại")


class Submission(models.Model):
    """One unit's report for a regime and period: the object whose chain records every value and decision."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="submissions")
    period = models.CharField(max_length=8)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=0, help_text="How many times it was submitted")
    narrative = models.JSONField(default=dict, help_text="{outline section code: text}")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["regime", "period", "unit"], name="one_submission_per_unit")
        ]
        indexes = [models.Index(fields=["regime", "period", "status"])]

    def __str__(self) -> str:
        return f"{self.regime.code} {self.period} {self.unit_id}"


class ObsStatus(models.TextChoices):
    """SDMX CL_OBS_STATUS codes the values move through (Decree 94/2022: ước tính → sơ bộ → chính thức)."""

    ESTIMATE = "E", _("Ước tính")
    PRELIMINARY = "P", _("Sơ bộ")
    OFFICIAL = "A", _("Chính thức")


class ImportBatch(models.Model):
    """One import of values (dataValueSets): who, when, how, and the SHA-256 of what was sent. Values it
    created carry it, and it stands for their first revision (no revision row each); its event, on the
    batch's own chain, records it in the hash-chained log."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    channel = models.CharField(max_length=10, help_text="api")
    strategy = models.CharField(max_length=20, help_text="CREATE, UPDATE or CREATE_AND_UPDATE")
    reason = models.TextField(blank=True)
    payload_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the values as sent")
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"import {self.pk} ({self.imported} new, {self.updated} changed)"


class ValueBlock(models.Model):
    """The typed values (period values or annual plan) of one row of one unit's report, as one block: the cells'
    numbers in `values`, what sets a cell apart from the block in `cells` (docs/benchmarks.md, issue 20: a row
    per value cost an import 4x a COPY of bare text before the API did anything, a block 0.75-0.98x)."""

    class Kind(models.TextChoices):
        PERIOD = "period", _("Thực hiện kỳ báo cáo")
        PLAN = "plan", _("Kế hoạch năm")

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="blocks", db_index=False
    )
    indicator_version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="blocks")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.PERIOD)
    # {breakdown or "": number as text}: JSON strings, since SQLite's JSON numbers are doubles; a cell without
    # a value has no key here (PostgreSQL's || keeps a null that SQLite's json_patch would delete).
    values = models.JSONField(default=dict)
    # {breakdown: {"c": comment, "s": obs status, "r": revision, "t": time, "u": author, "b": batch}}, only for
    # cells that differ from the block's columns below (every cell a save or a later import wrote, a comment...),
    # and for every cell without a value: a cell is a key of `values` or of `cells`.
    cells = models.JSONField(default=dict)
    obs_status = models.CharField(max_length=1, choices=ObsStatus.choices, default=ObsStatus.OFFICIAL)
    public = models.BooleanField(default=True, help_text="SDMX CONF_STATUS F (free) when true")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The import that made the block, whose row stands for its cells' revision 1 until each first changes.
    batch = models.ForeignKey(
        ImportBatch, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator_version", "kind"], name="one_block_per_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.indicator_version_id}@{self.kind}: {len(self.values)} values"


class ValueRevision(models.Model):
    """Every state a cell has had, kept so that 'as published on date X' can be answered; revision 1 of a
    cell an import made is its ImportBatch until the cell changes, when this row is written for it."""

    block = models.ForeignKey(ValueBlock, on_delete=models.CASCADE, related_name="revisions", db_index=False)
    disaggregation = models.CharField(max_length=40, blank=True)
    revision = models.PositiveIntegerField()
    value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    comment = models.TextField(blank=True)
    obs_status = models.CharField(max_length=1, choices=ObsStatus.choices)
    channel = models.CharField(max_length=10, help_text="ui, api, xlsx, derived")
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    event_seq = models.PositiveIntegerField(
        help_text="The event that recorded it: the batch's if any, else the submission's"
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["block", "disaggregation", "revision"], name="cell_revision")
        ]

    def __str__(self) -> str:
        return f"{self.block_id}.{self.disaggregation} r{self.revision}"


class Explanation(models.Model):
    """A written explanation of a rule broken, an outlier or a cross-check mismatch."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="explanations")
    subject = models.CharField(max_length=80, help_text="rule:CODE, outlier:CODE, crosscheck:CODE")
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "subject"], name="one_explanation")]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.subject}"


class LockException(models.Model):
    """Entry reopened for a unit and period after its deadline, until `expires_at`."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} until {self.expires_at:%d/%m/%Y}"


class ValidationRule(models.Model):
    """left operator right over a form's values, with DHIS2's semantics (importance, missing values)."""

    class Operator(models.TextChoices):
        EQ = "==", "=="
        NE = "!=", "!="
        GT = ">", ">"
        GE = ">=", ">="
        LT = "<", "<"
        LE = "<=", "<="
        COMPULSORY_PAIR = "compulsory_pair", _("Phải có cả hai")
        EXCLUSIVE_PAIR = "exclusive_pair", _("Chỉ được có một")

    class Importance(models.TextChoices):
        HIGH = "high", _("Cao")
        MEDIUM = "medium", _("Trung bình")
        LOW = "low", _("Thấp")

    class Missing(models.TextChoices):
        SKIP_IF_ANY = "SKIP_IF_ANY_VALUE_MISSING", _("Bỏ qua nếu thiếu một giá trị")
        SKIP_IF_ALL = "SKIP_IF_ALL_VALUES_MISSING", _("Bỏ qua nếu thiếu tất cả")
        NEVER_SKIP = "NEVER_SKIP", _("Không bỏ qua (thiếu = 0)")

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="rules")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=300)
    left = models.CharField(max_length=500, help_text="e.g. #{CN_IIP} or #{DN_MOI.nn} + #{DN_MOI.dn}")
    operator = models.CharField(max_length=16, choices=Operator.choices)
    right = models.CharField(max_length=500)
    importance = models.CharField(max_length=6, choices=Importance.choices, default=Importance.MEDIUM)
    missing = models.CharField(max_length=28, choices=Missing.choices, default=Missing.SKIP_IF_ANY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["regime", "code"], name="rule_code_per_regime")]

    def __str__(self) -> str:
        return f"{self.code}: {self.left} {self.operator} {self.right}"


class Derivation(models.Model):
    """The platform's own figure for a derived row, counted over the regime's cut-off period and frozen
    there: the query's version, its parameters and a hash of the records it counted."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    indicator_version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=24, decimal_places=4)
    query = models.CharField(max_length=60, help_text="name@version of the query")
    parameters = models.JSONField()
    records_hash = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "period", "unit", "indicator_version"], name="one_derivation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.query} {self.period} {self.unit_id} = {self.value}"


class Aggregate(models.Model):
    """A unit's total of its approved children's values, kept when an approval changes them."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    indicator_version = models.ForeignKey(IndicatorVersion, on_delete=models.PROTECT, related_name="+")
    disaggregation = models.CharField(max_length=40, blank=True)
    value = models.DecimalField(max_digits=24, decimal_places=4)
    children = models.JSONField(help_text="Ids of the submissions summed")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "period", "unit", "indicator_version", "disaggregation"],
                name="one_aggregate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.indicator_version_id} = {self.value}"


class KeptTotals(models.Model):
    """A unit's kept totals of one period in one row, {cell key: value} ("DNMOI", "DNMOI.nn"), written with its
    Aggregate rows: a month's totals are then read as one row rather than one row per total."""

    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    totals = models.JSONField()
    computed_at = models.DateTimeField()
    # New on every write of `totals`: a process keeps the decoded totals under it (sql.kept_totals). Random, not
    # a counter: a write rolled back after a reader saw it must not have its version given again to other totals.
    version = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["regime", "period", "unit"], name="one_kept_totals")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period}: {len(self.totals)} totals"


class Contribution(models.Model):
    """What one report's approved values add to the kept totals now, written by services.fold_totals alone (an
    approval or return only appends a FoldMark, and never waits on a share the fold holds)."""

    submission = models.OneToOneField(
        Submission, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # {"<indicator version id>:<breakdown>": "value"}: the amounts the totals hold of this report, taken away as
    # they were added even if its values changed after a return.
    # None: a report approved before shares were kept, counted as its values stand (locked while approved).
    cells = models.JSONField(null=True, blank=True)
    folded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.submission_id}: {len(self.cells or {})} cells"


class FoldMark(models.Model):
    """A report approved, or returned after approval, since the fold last brought its share in: appended by the
    action (a row of its own, so no action waits for a fold), deleted by the fold that read it."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.submission_id} at {self.marked_at:%Y-%m-%d %H:%M:%S}"
