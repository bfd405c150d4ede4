"""The open-data catalogue (publishers, datasets, resources and their versions), the datastore that holds the
rows of tabular resources, the jobs that load them, usage counts, and the register of shared databases with
the access requests made to them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.files import private_storage
from tinhso.opendata.vocabulary import DEFAULT_LICENCE, AccessLevel, Frequency, Theme


class Organization(models.Model):
    """A publishing agency (CKAN's organization): one administrative unit, named by a URL slug."""

    name = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    unit = models.OneToOneField("core.AdminUnit", on_delete=models.PROTECT, related_name="publisher")
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class State(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    REVIEW = "review", _("Chờ duyệt")
    PUBLISHED = "published", _("Đã công bố")
    WITHDRAWN = "withdrawn", _("Đã rút")


class Dataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="datasets")
    license_id = models.CharField(max_length=20, default=DEFAULT_LICENCE)
    theme = models.CharField(max_length=30, choices=Theme.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    temporal_start = models.DateField(null=True, blank=True)
    temporal_end = models.DateField(null=True, blank=True)
    spatial = models.ForeignKey(
        "core.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    access_level = models.CharField(max_length=10, choices=AccessLevel.choices, default=AccessLevel.OPEN)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # The platform's own datasets name the builder that refreshes them (tinhso.opendata.platform).
    source = models.CharField(max_length=40, null=True, blank=True, unique=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Decree 47/2020: the open-data catalogue is reviewed at least every 6 months.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # A reviewer's exemption from the personal-data guard, with the reason (its event keeps the findings).
    pii_exemption = models.TextField(blank=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-modified_at"]
        indexes = [models.Index(fields=["state", "access_level", "-modified_at"])]

    def __str__(self) -> str:
        return self.title


class DatasetTag(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="opendata_tag_once")]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A file or a link of a dataset; a tabular file's rows live in the datastore under its current version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)  # a link; empty for a file kept here
    format = models.CharField(max_length=10)
    position = models.PositiveSmallIntegerField(default=0)
    current = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def datastore_active(self) -> bool:
        return self.current_id is not None


class ResourceVersion(models.Model):
    """One upload or one refresh of a resource's file: never changed once loaded; the next refresh is a new one."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to="opendata/%Y/%m/", storage=private_storage, max_length=300)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    data_as_of = models.DateTimeField()
    # Frictionless table schema fields as loaded: [{"name": ..., "type": ...}].
    fields = models.JSONField(default=list)
    rows = models.PositiveIntegerField(default=0)
    # What the personal-data guard found while loading (tinhso.opendata.pii.Finding), at most a few per kind.
    findings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="opendata_version_once")]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"


class DatastoreRow(models.Model):
    """One row of a loaded version on SQLite (PostgreSQL keeps a typed table per version: `tables`); `row` is
    CKAN's `_id` (1, 2, 3... without gaps), so pages seek by it."""

    id = models.BigAutoField(primary_key=True)
    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    row = models.PositiveIntegerField()
    data = models.JSONField()
    folded = models.TextField()  # the row's text folded (tinhso.opendata.text) for `q`

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "row"], name="opendata_row_once")]

    def __str__(self) -> str:
        return f"{self.version_id}:{self.row}"


class LoadJob(models.Model):
    """Loading a version into the datastore in the background; the resource shows it only once done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang nạp")
        DONE = "done", _("Hoàn tất")
        ERROR = "error", _("Lỗi")

    version = models.OneToOneField(ResourceVersion, on_delete=models.CASCADE, related_name="job")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    rows_loaded = models.PositiveIntegerField(default=0)
    # [{"row": line number in the file, "column": name or "", "message": ...}], in file order.
    bad_rows = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.version_id} {self.status}"


class Hit(models.Model):
    """One download or API call, appended (no shared counter row that concurrent requests would wait on)."""

    class Kind(models.TextChoices):
        DOWNLOAD = "download", _("Lượt tải")
        API = "api", _("Lượt gọi API")

    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=40, blank=True)
    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["kind", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"


# ---- shared data (dữ liệu dùng chung) ---------------------------------------------------------------------


class SharedDatabase(models.Model):
    """An entry of the province's register of shared databases (CSDL dùng chung)."""

    class Classification(models.TextChoices):
        SHARED = "shared", _("Dữ liệu dùng chung")
        IMPORTANT = "important", _("Dữ liệu quan trọng")
        CORE = "core", _("Dữ liệu cốt lõi")

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=300)
    owner = models.ForeignKey("core.AdminUnit", on_delete=models.PROTECT, related_name="+")
    classification = models.CharField(max_length=10, choices=Classification.choices)
    legal_basis = models.CharField(max_length=500)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SharedService(models.Model):
    """A service (API) through which a shared database is used."""

    database = models.ForeignKey(SharedDatabase, on_delete=models.CASCADE, related_name="services")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=300)
    version = models.CharField(max_length=20, default="1")
    openapi_url = models.URLField(max_length=500, blank=True)
    scopes = models.JSONField(default=list)  # the scopes an access request may ask for

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AccessRequest(models.Model):
    """An agency's request to use a shared service; the owner answers within 2 working days (Decree 194/2025
    amending Decree 47/2020 Art. 35(3)), a refusal with its reason."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ xem xét")
        APPROVED = "approved", _("Đã chấp thuận")
        REFUSED = "refused", _("Đã từ chối")
        REVOKED = "revoked", _("Đã thu hồi")

    service = models.ForeignKey(SharedService, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey("core.AdminUnit", on_delete=models.PROTECT, related_name="+")
    purpose = models.TextField()
    legal_basis = models.CharField(max_length=500)
    scopes = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.requester_id} → {self.service_id}"
