"""Notifications derived from the event log: one per (event, recipient), kept in the recipient's inbox."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import Event
from tinhso.notifications import texts


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # No database constraint: the event log is partitioned on PostgreSQL (tinhso.core.partitions).
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    title = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="one_notification_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class DeliveryCursor(models.Model):
    """When the delivery job last started; the next run looks back from there by a grace period."""

    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"notifications delivered up to {self.last_run_at}"


class Channel(models.TextChoices):
    """Ways a message leaves the platform; the inbox is always there besides them."""

    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")
    PUSH = "push", _("Thông báo trên trình duyệt")


class Purpose(models.TextChoices):
    NOTICES = "notices", _("Thông báo về hồ sơ, phản ánh của tôi")
    SUGGESTIONS = "suggestions", _("Gợi ý dịch vụ công tôi cần làm")


class Contact(models.Model):
    """A person's e-mail address or mobile number (84…, for SMS and Zalo); used only once verified."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        PHONE = "phone", _("Số điện thoại di động")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    address = models.CharField(max_length=254)
    verified_at = models.DateTimeField(null=True, blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_contact_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.address}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (endpoint and the keys that encrypt for it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.endpoint


class Consent(models.Model):
    """One opt-in or opt-out, as given: the log is kept, the latest row per (channel, purpose) holds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    granted = models.BooleanField()
    at = models.DateTimeField()
    text_version = models.CharField(max_length=20)
    via = models.CharField(max_length=20)  # "preferences" page or "unsubscribe" link

    class Meta:
        indexes = [models.Index(fields=["user", "channel", "purpose", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}/{self.purpose} {'in' if self.granted else 'out'}"


class Preference(models.Model):
    """A person's fallback order of channels, the language messages are written in, and for officials
    whether their own notices come once a day."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    order = models.JSONField(default=list)  # channel values, the first tried first
    language = models.CharField(max_length=8, default="vi")
    daily_digest = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.order)}"


class OutboxMessage(models.Model):
    """A message to one person, written in the transaction of the event that causes it and delivered by
    the job workers. Its id goes to the gateway with it, so a retry after a crash is recognised there."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không được")
        HELD = "held", _("Chờ bản tin hằng ngày")
        DIGESTED = "digested", _("Đã gửi trong bản tin hằng ngày")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # No database constraint: the event log is partitioned on PostgreSQL (tinhso.core.partitions).
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    template = models.CharField(max_length=60)  # the rule that writes it: an event type or a named rule
    context = models.JSONField(default=dict)  # codes and links only, never personal data
    optional = models.BooleanField(default=False)  # a suggestion, not a notice on the legal basis
    channels = models.JSONField(default=list)  # the fallback order fixed when written
    channel_index = models.PositiveSmallIntegerField(default=0)
    current_channel = models.CharField(max_length=10, blank=True)  # channels[channel_index], to claim by
    attempts = models.PositiveSmallIntegerField(default=0)  # on the current channel
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_via = models.CharField(max_length=10, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    digest_on = models.DateField(null=True, blank=True)  # the local day an official's daily digest is of

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "template"], name="one_outbox_message_per_event_rule"
            ),
            models.UniqueConstraint(
                fields=["recipient", "digest_on"],
                condition=models.Q(digest_on__isnull=False),
                name="one_digest_per_official_per_day",
            ),
        ]
        indexes = [models.Index(fields=["current_channel", "status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: each try of a message on a channel and the gateway's answer."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    at = models.DateTimeField()
    ok = models.BooleanField()
    answer = models.TextField(blank=True)  # the gateway's answer, kept; never the message body

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["channel", "at"])]

    def __str__(self) -> str:
        return f"{self.channel} {'ok' if self.ok else 'failed'} at {self.at}"


class ProactiveRule(models.Model):
    """A rule over the platform's data that finds people due for a procedure, as data: an administrator
    switches it on or off and sets its lead time and message. `kind` names the finder and `params` its
    settings (ages, the procedures whose results start the clock, how long a result is valid)."""

    class Kind(models.TextChoices):
        AGE_MILESTONE = "age_milestone", _("Đến tuổi phải làm thủ tục")
        AFTER_RESULT = "after_result", _("Sau khi có kết quả một thủ tục khác")
        BEFORE_EXPIRY = "before_expiry", _("Trước khi giấy tờ hết hiệu lực")
        ANNUAL = "annual", _("Nghĩa vụ hằng năm của người có giấy tờ còn hiệu lực")

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    message = models.CharField(max_length=300, help_text="%(date)s is replaced by the date it is due")
    message_en = models.CharField(max_length=300, blank=True)
    legal_basis = models.CharField(max_length=300)
    procedure_code = models.CharField(max_length=30, blank=True)  # the form it opens, prefilled
    link = models.URLField(blank=True)  # when the procedure is not on this platform
    params = models.JSONField(default=dict)
    lead_days = models.PositiveSmallIntegerField(default=30)
    active = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    """What a rule found for one person: shown on their home page and told on their channels; one click opens
    the procedure's form filled from the registry and their earlier answers. Nothing is submitted for them."""

    rule = models.ForeignKey(ProactiveRule, on_delete=models.CASCADE, related_name="suggestions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60)  # what it is about (an age, a dossier code): found once
    due_on = models.DateField()
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "user", "key"], name="one_suggestion_per_finding")
        ]
        indexes = [models.Index(fields=["user", "dismissed_at"])]

    def __str__(self) -> str:
        return f"{self.rule.code} → {self.user_id} ({self.key})"


class MessageTemplate(models.Model):
    """The words of one kind of message (texts.SPECS) on one channel, or on every channel and in the inbox
    when `channel` is empty, in one language; an administrator edits them. A kind without a row here is
    written with its default text."""

    class On(models.TextChoices):
        ALL = "", _("Mọi kênh và hộp thư trên Tỉnh số")
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")
        PUSH = "push", _("Thông báo trên trình duyệt")

    key = models.CharField(_("loại thông báo"), max_length=60)
    channel = models.CharField(_("kênh"), max_length=10, choices=On.choices, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("tiêu đề"),
        max_length=300,
        help_text=_("Tiêu đề thư, dòng trong hộp thư, tiêu đề thông báo trên trình duyệt."),
    )
    body = models.TextField(
        _("nội dung"),
        blank=True,
        help_text=_(
            "Nội dung thư và tin nhắn SMS (SMS gửi không dấu, tối đa 2 tin kể cả đường dẫn); để trống thì "
            "dùng tiêu đề. Đường dẫn và cách ngừng nhận được thêm vào mỗi tin."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "language"], name="one_template_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.key} [{self.channel or '*'}] {self.language}"

    def clean(self) -> None:
        found = texts.problems(key=self.key, channel=self.channel, subject=self.subject, body=self.body)
        if found:
            raise ValidationError(found)
