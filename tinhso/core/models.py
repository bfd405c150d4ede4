"""The data core: administrative units, people and accounts, roles, the working calendar, the event log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


class AdminUnit(models.Model):
    """A territory (province, commune) or an agency; units form a tree kept as a materialised path."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Tỉnh, thành phố")
        COMMUNE = "commune", _("Xã, phường, đặc khu")
        AGENCY = "agency", _("Cơ quan")
        SERVICE_CENTRE = "service_centre", _("Trung tâm phục vụ hành chính công")

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.CharField(max_length=40, blank=True, help_text="Xã, Phường, Đặc khu, Sở, ...")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Codes from the root down, each followed by "/": "96/31825/". Every unit under X is one LIKE 'X%' query.
    path = models.CharField(max_length=400, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    agency_code = models.CharField(
        max_length=40, unique=True, null=True, blank=True, help_text="Mã định danh dùng trong mã hồ sơ"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area_km2 = models.FloatField(null=True, blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors"
    )

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    @property
    def receives_dossiers(self) -> bool:
        return bool(self.agency_code)

    @property
    def centre(self) -> tuple[float, float]:
        """(latitude, longitude), of a unit known to have them (the communes on the maps)."""
        assert self.latitude is not None and self.longitude is not None
        return self.latitude, self.longitude


class User(AbstractUser):
    """An account: a citizen (identified by citizen ID) or an official (holding scoped roles)."""

    class AccountType(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        OFFICIAL = "official", _("Cán bộ, công chức")

    account_type = models.CharField(max_length=10, choices=AccountType.choices, default=AccountType.CITIZEN)
    citizen_id = models.CharField(max_length=12, unique=True, null=True, blank=True)
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Created by `tinhso load-demo` with password demo1234"
    )

    @property
    def is_citizen(self) -> bool:
        return self.account_type == self.AccountType.CITIZEN

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class PopulationRecord(models.Model):
    """Identity data standing in for the national population database (see core.population)."""

    class Sex(models.TextChoices):
        MALE = "M", _("Nam")
        FEMALE = "F", _("Nữ")

    citizen_id = models.CharField(max_length=12, unique=True)
    full_name = models.CharField(max_length=150)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    permanent_address = models.CharField(max_length=300)
    permanent_commune = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.citizen_id})"


class Role(models.TextChoices):
    RECEPTIONIST = "receptionist", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    UNIT_LEADER = "unit_leader", _("Lãnh đạo đơn vị")
    PROVINCE_LEADER = "province_leader", _("Lãnh đạo tỉnh")
    REPORTING_OFFICER = "reporting_officer", _("Cán bộ báo cáo")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")


class Domain(models.TextChoices):
    """The field of work a role is held in: a specialist of the province for field reports is no specialist
    of any agency's dossiers. What each role may do in each domain is tinhso.core.permissions.MATRIX."""

    ALL = "all", _("Mọi lĩnh vực")
    DOSSIERS = "dossiers", _("Hồ sơ thủ tục hành chính")
    FIELD_REPORTS = "fieldreports", _("Phản ánh hiện trường")
    REPORTING = "reporting", _("Báo cáo thống kê")
    OPERATIONS = "operations", _("Điều hành (IOC)")
    OPEN_DATA = "opendata", _("Dữ liệu mở")


class RoleAssignment(models.Model):
    """A role held by an official in a domain over a unit and every unit under it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    domain = models.CharField(max_length=20, choices=Domain.choices, default=Domain.ALL)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="role_assignments")
    valid_from = models.DateField(auto_now_add=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "domain", "unit"], name="unique_role_per_domain_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.get_domain_display()}) – {self.unit}"


class CalendarDay(models.Model):
    """A day an administrator declared off or working, overriding weekends and computed holidays."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()} ({self.reason})"


class Event(models.Model):
    """One entry of the append-only log; `hash` covers the entry and the previous hash of its stream."""

    stream = models.CharField(max_length=120, help_text="The object the event belongs to: 'app.model:pk'")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=60)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="event_stream_seq")]
        indexes = [models.Index(fields=["action", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"


class StreamHead(models.Model):
    """The last event of one chain (tinhso.core.heads): read by primary key under the aggregate's lock to number
    and chain the next event; written only by the log's own trigger (and by bulk loaders that skip triggers)."""

    stream = models.CharField(max_length=120, primary_key=True)
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq}"


class Checkpoint(models.Model):
    """The heads of the chains touched since the previous checkpoint, hashed onto that checkpoint."""

    taken_at = models.DateTimeField()
    heads = models.JSONField(help_text="[[stream, seq, hash], ...] sorted by stream")
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    mac = models.CharField(max_length=64, blank=True, help_text="HMAC-SHA256 of the digest under the log key")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"checkpoint {self.pk} at {self.taken_at:%Y-%m-%d %H:%M}"


class SealedMonth(models.Model):
    """A closed month (UTC) of the event log found intact by `tinhso verify-log`: later runs skip it and check
    only the months not yet sealed; `verify-log --full` re-reads it and compares with what was sealed. Seals
    form their own chain and carry a MAC under the log key, like checkpoints."""

    month = models.DateField(help_text="First day of the month, in UTC")
    events = models.PositiveBigIntegerField()
    fold = models.CharField(max_length=64, help_text="Sum modulo 2^256 of the month's event hashes")
    last_event_id = models.BigIntegerField(null=True, help_text="The month's event with the largest id")
    last_event_hash = models.CharField(max_length=64, blank=True)
    high_water = models.BigIntegerField(help_text="The largest event id when the month was checked")
    checkpoint_id = models.BigIntegerField(null=True, help_text="The newest checkpoint when it was checked")
    checkpoint_digest = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField()
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"sealed {self.month:%m/%Y} ({self.events} events)"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored. It dies with the password it was issued under
    (`auth_hash`), with the sign-out of the session that asked for it, or when revoked (the row is deleted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    auth_hash = models.CharField(
        max_length=128,
        blank=True,
        help_text="The user's session auth hash (an HMAC of the password hash) at issue",
    )
    session_key = models.CharField(
        max_length=40, blank=True, db_index=True, help_text="The session that asked"
    )
    client = models.CharField(max_length=200, blank=True, help_text="User-Agent of the request that asked")
    address = models.CharField(max_length=45, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} of {self.user}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for a creating call (tinhso.core.idempotency), stored with what the first
    request created, so a retry finds it. Each kind of call (`scope`) has its own keys."""

    # Found through the (user, scope, key) constraint's index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    scope = models.CharField(max_length=40, help_text="The creating call, e.g. dossiers.submission")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    created_id = models.BigIntegerField(help_text="The id of the row the first request created")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_per_user_and_call")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.scope}: {self.key}"
