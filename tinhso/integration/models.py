"""The integration platform (LGSP): partner systems and their credentials, grants per service, the exchange
log, webhook subscriptions and deliveries, and the outbox of dossier statuses to the national portal."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    """A partner system, named as an X-Road member subsystem: VN/GOV/<agency code>/<system>."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Đang kết nối")
        SUSPENDED = "suspended", _("Tạm dừng")
        RETIRED = "retired", _("Đã ngừng kết nối")

    code = models.CharField(max_length=120, unique=True)
    agency_code = models.CharField(max_length=40, help_text="Mã định danh điện tử của cơ quan")
    agency_name = models.CharField(max_length=200)
    system_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    # Accounts of the partner's technical staff: they see the partner's own page of the catalogue.
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="integration_partners"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    # Webhooks to private or loopback addresses only when an administrator allowed it (a system on the
    # province's own network).
    private_addresses_allowed = models.BooleanField(default=False)
    # The partner as field reports know it (Report.partner): an Open311 key issued before the platform, or
    # a row made when the partner is first granted Open311.
    open311_identity = models.OneToOneField(
        "fieldreports.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="partner"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.system_name} ({self.code})"


class Service(models.Model):
    """A service offered through the platform: what a grant names, with the scopes it knows."""

    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    scopes = models.JSONField(default=list, help_text="The scopes this service knows")
    openapi_url = models.CharField(max_length=200, blank=True)
    owner = models.CharField(max_length=200, blank=True, help_text="Cơ quan chủ quản")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Credential(models.Model):
    """An API key (only its SHA-256 kept) or an OAuth 2.0 client (oauth2_provider's Application) of a
    partner. A rotated credential keeps working until `expires_at` (the overlap)."""

    class Kind(models.TextChoices):
        API_KEY = "api_key", _("Khóa API")
        OAUTH_CLIENT = "oauth_client", _("OAuth 2.0 client credentials")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    prefix = models.CharField(max_length=60, help_text="The key's first characters, or the client id")
    key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    application = models.OneToOneField(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credential",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.prefix}…"


class Grant(models.Model):
    """Access of a partner to scopes of a service, for a purpose, on a legal basis, for a period."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hiệu lực")
        REVOKED = "revoked", _("Đã thu hồi")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="grants")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="grants")
    scopes = models.JSONField(default=list)
    purpose = models.CharField(max_length=500)
    legal_basis = models.CharField(max_length=300)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    revoked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner_id", "service_id", "-created_at"]
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self) -> str:
        return f"{self.partner_id} × {self.service_id}: {' '.join(self.scopes)}"


class GrantRequest(models.Model):
    """A partner's request for scopes of a service (made by the partner, its staff or an administrator on its
    behalf), answered within 2 working days (Decree 194/2025 amending Decree 47/2020 Art. 35(3)); a refusal
    states its reason, an approval creates the grant."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ xem xét")
        APPROVED = "approved", _("Đã chấp thuận")
        REFUSED = "refused", _("Đã từ chối")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="grant_requests")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="grant_requests")
    scopes = models.JSONField(default=list)
    purpose = models.CharField(max_length=500)
    legal_basis = models.CharField(max_length=300)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    # None: the partner system asked through its own credential.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    grant = models.OneToOneField(
        Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.service_id}"


class ExchangeChain(models.Model):
    """The head of one chain of the exchange log (one per partner, and one for calls of no partner), and its
    floor: the last entry removed past the retention period, whose hash the first kept entry links to."""

    name = models.CharField(max_length=140, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=128, default="")
    floor_seq = models.PositiveBigIntegerField(default=0)
    floor_hash = models.CharField(max_length=128, default="")

    def __str__(self) -> str:
        return f"{self.name}#{self.seq}"


class ExchangeLog(models.Model):
    """One call through the platform, inbound or outbound: never its bodies, only their SHA-512. Append-only;
    `row_hash` covers the row and the previous row of its chain."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Đối tác gọi vào")
        OUTBOUND = "out", _("Gọi ra đối tác")

    message_id = models.CharField(max_length=64, unique=True)
    chain = models.CharField(max_length=140)
    seq = models.PositiveBigIntegerField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service = models.CharField(max_length=60, blank=True)
    method = models.CharField(max_length=10)
    target = models.CharField(max_length=300, help_text="The path called (inbound) or the address (outbound)")
    status = models.PositiveSmallIntegerField(help_text="HTTP status; 0 when no answer came")
    user_ref = models.CharField(max_length=120, blank=True, help_text="The end user, as X-Road-UserId")
    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    request_bytes = models.PositiveIntegerField(default=0)
    response_bytes = models.PositiveIntegerField(default=0)
    request_sha512 = models.CharField(max_length=128)
    response_sha512 = models.CharField(max_length=128)
    prev_hash = models.CharField(max_length=128)
    row_hash = models.CharField(max_length=128)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="exchange_chain_seq")]
        indexes = [models.Index(fields=["partner", "started_at"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.method} {self.target} {self.status}"


class ExchangeDigest(models.Model):
    """The daily signed digest of the exchange log: every chain's head and floor, chained to the previous
    digest and MAC'd with the platform's log key (which the database does not hold)."""

    taken_at = models.DateTimeField()
    heads = models.JSONField(default=list, help_text="[chain, seq, head hash, floor seq, floor hash]")
    removed = models.PositiveBigIntegerField(default=0, help_text="Entries removed past retention")
    prev_digest = models.CharField(max_length=64, unique=True)  # unique: two digests never fork the chain
    digest = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.taken_at:%d/%m/%Y} {self.digest[:12]}"


class WebhookSubscription(models.Model):
    """A partner's receiving address for event types, signed per Standard Webhooks with a `whsec_` secret;
    during a rotation the previous secret signs too until `previous_secret_until`."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Đang nhận")
        DISABLED = "disabled", _("Đã tắt")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="subscriptions")
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    failures = models.PositiveIntegerField(default=0, help_text="Failed attempts in a row")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner_id", "id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one subscription, tried on a backoff schedule until the receiver answers 2xx."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERED = "delivered", _("Đã nhận")
        FAILED = "failed", _("Gửi không thành công")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=60)
    event_id = models.BigIntegerField(help_text="The core event it reports")
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id", "event_type"], name="webhook_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.message_id


class ReaderCursor(models.Model):
    """When an event reader of this app last read the event log (it re-reads a grace period before)."""

    name = models.CharField(max_length=60, primary_key=True)
    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class StatusMapping(models.Model):
    """The national portal's TrangThaiHoSo code (1–10) of each internal dossier status."""

    status = models.PositiveSmallIntegerField(unique=True)
    national_code = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=100)

    class Meta:
        ordering = ["status"]

    def __str__(self) -> str:
        return f"{self.status} → {self.national_code}"


class PortalMessage(models.Model):
    """The outbox to the national portal: one message per status change of a dossier, written in the
    transaction of the change, sent in `seq` order per dossier, acknowledged by the portal's "00"."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ đồng bộ")
        ACKNOWLEDGED = "acknowledged", _("Cổng quốc gia đã nhận")
        DEAD = "dead", _("Không gửi được (chờ xử lý)")

    message_id = models.CharField(max_length=40, unique=True)
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="+")
    dossier_code = models.CharField(max_length=60)
    seq = models.PositiveIntegerField(help_text="The event's number in the dossier's chain")
    status = models.PositiveSmallIntegerField(help_text="Internal status after the change")
    body = models.JSONField(default=dict, help_text="The dossier and progress as the portal's fields")
    state = models.CharField(max_length=14, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="portal_message_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.dossier_code}#{self.seq}"
