"""Rollups of the event log: one fact row per dossier and per field report, and additive counters per
(unit, sector, period, metric), so a KPI query reads counters instead of every record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import AdminUnit

# The event streams the rollups read, and the name of their consumer's state row.
DOSSIER_STREAM = "dossiers.dossier:"
REPORT_STREAM = "fieldreports.report:"
PAYMENT_STREAM = "payments.paymentorder:"
OUR_STREAMS = (DOSSIER_STREAM, REPORT_STREAM, PAYMENT_STREAM)
STATE_NAME = "rollups"


class ConsumerState(models.Model):
    """Where the event consumer stands: the last event id applied and the latest month rolled into."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    horizon = models.CharField(
        max_length=7, default="", help_text="Latest month (YYYY-MM) open records reach"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    data_as_of = models.DateTimeField(null=True, blank=True, help_text="Time of the last event applied")
    # [[first id, last id, first seen], ...]: ids skipped below the cursor, read again for a while.
    gaps = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class DossierFact(models.Model):
    """What the events said about one dossier, reduced to what the indicators need."""

    dossier_id = models.BigIntegerField(primary_key=True)
    code = models.CharField(max_length=60)  # shown, never searched: facts are found by dossier or unit
    # Found by unit through the (unit, submitted_at) index below: an index on the unit alone would repeat it.
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    sector = models.CharField(max_length=200, blank=True)
    procedure_code = models.CharField(max_length=40)
    full_online = models.BooleanField(default=False)
    channel = models.PositiveSmallIntegerField()
    status = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, help_text="The first promised date")
    ended_at = models.DateTimeField(null=True, blank=True)  # indexed first in (ended_at, accepted_at)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Pauses in order: [[requested_at, answered_at or null, office hours the deadline moves, kind], ...]
    # where kind is "supplement" or "payment" (only supplements count towards the limit of one).
    supplements = models.JSONField(default=list)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # From the payment orders' streams: the dossier's first order opened and its first online payment.
    fee_owed_at = models.DateTimeField(null=True, blank=True)
    paid_online_at = models.DateTimeField(null=True, blank=True)
    applied_seq = models.PositiveIntegerField(default=0)
    # [[unit id, sector, period, metric], ...]: the counters this fact adds one to.
    contributions = models.JSONField(default=list)
    # When this open dossier turns late without an event: the consumer judges it again then.
    rejudge_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "submitted_at"]),
            models.Index(fields=["ended_at", "accepted_at"]),
            # Newest first across many units (a province's drill-down) walks this backwards.
            models.Index(fields=["submitted_at"], name="ioc_dossierfact_submitted"),
        ]

    def __str__(self) -> str:
        return self.code


class ReportFact(models.Model):
    """What the events said about one field report."""

    report_id = models.BigIntegerField(primary_key=True)
    tracking_code = models.CharField(max_length=20)  # shown, never searched: as a dossier fact's code
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    commune = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=60)
    latitude = models.FloatField()
    longitude = models.FloatField()
    submitted_at = models.DateTimeField()
    due_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    satisfied = models.BooleanField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    applied_seq = models.PositiveIntegerField(default=0)
    contributions = models.JSONField(default=list)
    # When this open report becomes overdue without an event: the consumer judges it again then.
    rejudge_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "submitted_at"]),
            models.Index(fields=["closed_at"]),
            models.Index(fields=["submitted_at"], name="ioc_reportfact_submitted"),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class Counter(models.Model):
    """How many records add to `metric` for a unit, a sector and a period (2026-04, 2026-Q2 or 2026)."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    sector = models.CharField(max_length=200, blank=True)
    period = models.CharField(max_length=7)
    metric = models.CharField(max_length=50)  # "pp:" and a procedure's code at most
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "sector", "period", "metric"], name="ioc_counter_key")
        ]
        indexes = [models.Index(fields=["period", "metric"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.sector} {self.period} {self.metric}={self.value}"


class CounterTotal(models.Model):
    """A unit's counter summed over every sector (field reports' too), kept with the counters: KPIs asked
    without a sector read it, a quarter of the rows of a period's counters."""

    # The key leads with the unit; migration 0005 adds the (period, metric, unit) index the KPIs read.
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    period = models.CharField(max_length=7)
    metric = models.CharField(max_length=50)  # "pp:" and a procedure's code at most
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "metric"], name="ioc_countertotal_key")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.metric}={self.value}"


class AlertRule(models.Model):
    """A threshold on an indicator's rate for each unit, checked for the current month."""

    indicator = models.CharField(max_length=20)
    threshold = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="Rate below which a unit is in breach"
    )
    min_denominator = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.indicator} < {self.threshold}"


class Alert(models.Model):
    """One breach of a rule by a unit in a period: raised once, cleared when the rate recovers."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    rate = models.FloatField()
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    notified = models.JSONField(default=list, help_text="Ids of the leaders notified")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "unit", "period"],
                condition=models.Q(cleared_at__isnull=True),
                name="ioc_one_open_breach",
            )
        ]
        verbose_name = _("Cảnh báo")

    def __str__(self) -> str:
        return f"{self.rule} {self.unit_id} {self.period}"
