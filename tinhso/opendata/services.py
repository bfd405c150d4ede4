"""Every write of open data, each in one transaction with its event: a dataset's chain records its metadata, its
resources' versions, the datastore's loads and every decision; the register of shared data records on each
database's and access request's chain. The datastore's bulk rows are written by `datastore.load`, outside any
one transaction, and become visible only through `finish_load`."""

import functools
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.core.files import removed_on_failure
from tinhso.core.models import User
from tinhso.core.services import record_event
from tinhso.core.working_time import DATA_SHARING_ANSWER_DAYS, add_working_time
from tinhso.opendata import datastore, events, lifecycle, pii, selectors, tabular
from tinhso.opendata.models import (
    AccessRequest,
    Dataset,
    DatasetTag,
    Hit,
    LoadJob,
    Organization,
    Resource,
    ResourceVersion,
    SharedDatabase,
    SharedService,
    State,
)
from tinhso.opendata.text import fold
from tinhso.opendata.vocabulary import FORMATS, LICENCES, AccessLevel, Frequency, Theme

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
UPLOAD_FORMATS = ("CSV", "XLSX")
STUCK_AFTER = timedelta(minutes=10)  # a running load whose heartbeat is older is taken for dead
MAX_ATTEMPTS = 3
DATASET_FIELDS = (
    "title", "notes", "license_id", "theme", "frequency", "temporal_start", "temporal_end", "spatial",
    "contact_name", "contact_email", "access_level", "tags",
)  # fmt: skip


# ---- publishers and datasets ---------------------------------------------------------------------------------


@transaction.atomic
def register_organization(
    *, actor: User | None, unit_code: str, name: str = "", title: str = "", email: str = ""
) -> Organization:
    """Makes an agency a publisher (idempotent: an agency already registered is returned as it is)."""
    unit = core_selectors.unit_by_code(unit_code)
    existing = Organization.objects.filter(unit=unit).first()
    if existing is not None:
        return existing
    if actor is not None:
        core_selectors.require_role(actor, "administrator")
    organization = Organization.objects.create(
        unit=unit,
        name=name or slugify(fold(unit.short_name or unit.name))[:100],
        title=title or unit.name,
        email=email,
    )
    record_event(
        subject=organization,
        action=events.ORGANIZATION_REGISTERED,
        actor=actor,
        payload={"name": organization.name, "unit": unit.code},
    )
    return organization


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Checks each metadata field given, with a message beside the field that is wrong."""
    unknown = set(fields) - set(DATASET_FIELDS)
    if unknown:
        raise InvalidInput(_("Trường không hợp lệ: %(names)s."), params={"names": ", ".join(sorted(unknown))},
                           code="unknown_field")  # fmt: skip
    cleaned = dict(fields)
    choices = {"license_id": LICENCES, "theme": Theme.values, "frequency": Frequency.values,
               "access_level": AccessLevel.values}  # fmt: skip
    for name, allowed in choices.items():
        if name in cleaned and cleaned[name] not in allowed:
            raise InvalidInput.on(name, _("Giá trị “%(value)s” không có trong danh sách."),
                                  params={"value": cleaned[name]})  # fmt: skip
    if "title" in cleaned and not str(cleaned["title"]).strip():
        raise InvalidInput.on("title", _("Nhập tên bộ dữ liệu."))
    if isinstance(cleaned.get("spatial"), str):
        cleaned["spatial"] = core_selectors.unit_by_code(cleaned["spatial"]) if cleaned["spatial"] else None
    start, end = cleaned.get("temporal_start"), cleaned.get("temporal_end")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise InvalidInput.on("temporal_end", _("Ngày kết thúc phải sau ngày bắt đầu."))
    if "tags" in cleaned:
        cleaned["tags"] = sorted(
            {" ".join(str(tag).split()).lower()[:100] for tag in cleaned["tags"] if str(tag).strip()}
        )
    return cleaned


def _index(dataset: Dataset, tags: list[str]) -> None:
    dataset.search_text = fold(
        " ".join(
            [dataset.name.replace("-", " "), dataset.title, dataset.notes, dataset.organization.title, *tags]
        )
    )


@transaction.atomic
def create_dataset(
    *,
    actor: User | None,
    organization: str,
    name: str,
    title: str,
    theme: str,
    frequency: str,
    source: str | None = None,
    **fields: Any,
) -> Dataset:
    publisher = selectors.organization(organization)
    if actor is not None and not selectors.may_edit(actor, publisher):
        raise Forbidden(lifecycle.EDITOR.refusal, code=lifecycle.EDITOR.refusal_code)
    name = slugify(name)[:100]
    if not name:
        raise InvalidInput.on("name", _("Nhập tên đường dẫn (chữ thường, số và dấu gạch ngang)."))
    if Dataset.objects.filter(name=name).exists():
        raise InvalidInput.on("name", _("Đã có bộ dữ liệu tên “%(name)s”."), params={"name": name},
                              code="name_taken")  # fmt: skip
    cleaned = _clean_fields({"title": title, "theme": theme, "frequency": frequency, **fields})
    tags = cleaned.pop("tags", [])
    dataset = Dataset(name=name, organization=publisher, source=source, **cleaned)
    _index(dataset, tags)
    dataset.save()
    DatasetTag.objects.bulk_create([DatasetTag(dataset=dataset, name=tag) for tag in tags])
    record_event(
        subject=dataset,
        action=events.DATASET_CREATED,
        actor=actor,
        payload={"name": name, "organization": publisher.name, "access_level": dataset.access_level},
    )
    return dataset


def _locked(dataset_id: Any, version: int | None) -> Dataset:
    dataset = Dataset.objects.select_for_update().select_related("organization").filter(pk=dataset_id).first()
    if dataset is None:
        raise NotFound(_("Không tìm thấy bộ dữ liệu."), code="dataset_not_found")
    if version is not None and dataset.version != version:
        raise Conflict(_("Bộ dữ liệu vừa được người khác thay đổi; hãy tải lại trang."), code="stale_version",
                       current={"version": dataset.version})  # fmt: skip
    return dataset


@transaction.atomic
def update_dataset(*, actor: User | None, dataset_id: Any, version: int | None, **fields: Any) -> Dataset:
    dataset = _locked(dataset_id, version)
    if actor is not None and not selectors.may_edit(actor, dataset.organization):
        raise Forbidden(lifecycle.EDITOR.refusal, code=lifecycle.EDITOR.refusal_code)
    if dataset.state not in (State.DRAFT,) and dataset.source is None:
        raise Conflict(_("Chỉ sửa được bộ dữ liệu khi đang là dự thảo."), code="not_a_draft")
    cleaned = _clean_fields(fields)
    tags = cleaned.pop("tags", None)
    changed = sorted(name for name, value in cleaned.items() if getattr(dataset, name) != value)
    for name, value in cleaned.items():
        setattr(dataset, name, value)
    if tags is not None:
        if tags != sorted(dataset.tags.values_list("name", flat=True)):
            changed.append("tags")
        dataset.tags.all().delete()
        DatasetTag.objects.bulk_create([DatasetTag(dataset=dataset, name=tag) for tag in tags])
    _index(dataset, tags if tags is not None else list(dataset.tags.values_list("name", flat=True)))
    dataset.version += 1
    dataset.save()
    record_event(subject=dataset, action=events.DATASET_UPDATED, actor=actor, payload={"changed": changed})
    return dataset


def _publishable(dataset: Dataset) -> None:
    """Publishing needs a licence, a publisher, a frequency and a theme; an open dataset a clean scan."""
    missing = [name for name in ("license_id", "frequency", "theme") if not getattr(dataset, name)]
    if missing:
        raise InvalidInput(
            _("Còn thiếu: %(names)s."), params={"names": ", ".join(missing)}, code="incomplete"
        )
    if dataset.access_level == AccessLevel.OPEN and not dataset.pii_exemption:
        findings = selectors.pii_findings(dataset)
        if findings:
            raise Conflict(
                _("Bộ dữ liệu mở có dấu hiệu chứa dữ liệu cá nhân: %(found)s. Hãy loại bỏ, hoặc người duyệt ghi "
                  "nhận miễn trừ kèm lý do."),
                params={"found": "; ".join(pii.describe(finding) for finding in findings[:5])},
                code="personal_data_found",
                findings=findings,
            )  # fmt: skip


@transaction.atomic
def act(
    *, actor: User | None, dataset_id: Any, version: int | None, action: str, reason: str = ""
) -> Dataset:
    """Takes one transition of the dataset's lifecycle (submit, publish, return, withdraw, reopen)."""
    dataset = _locked(dataset_id, version)
    row = lifecycle.LIFECYCLE.check(action, dataset.state, current={"version": dataset.version})
    lifecycle.LIFECYCLE.authorize(row, selectors.is_party(actor, dataset.organization))
    reason = reason.strip()
    if action in lifecycle.NEEDS_REASON and not reason:
        raise InvalidInput.on("reason", _("Nêu lý do."))
    payload: dict[str, Any] = {"reason": reason} if action in lifecycle.NEEDS_REASON else {}
    if action == "publish":
        _publishable(dataset)
        now = timezone.now()
        dataset.published_at = dataset.published_at or now
        dataset.reviewed_at = now
        payload = {
            "access_level": dataset.access_level,
            "findings": selectors.pii_findings(dataset) if dataset.pii_exemption else [],
        }
    if action == "reopen":
        dataset.pii_exemption = ""
    dataset.state = row.target
    dataset.version += 1
    dataset.save()
    record_event(subject=dataset, action=row.event, actor=actor, payload=payload)
    return dataset


@transaction.atomic
def exempt_personal_data(*, actor: User, dataset_id: Any, version: int | None, reason: str) -> Dataset:
    """A reviewer records that what the guard found is no personal data (e.g. an agency's address)."""
    dataset = _locked(dataset_id, version)
    if not selectors.may_review(actor, dataset.organization):
        raise Forbidden(lifecycle.REVIEWER.refusal, code=lifecycle.REVIEWER.refusal_code)
    if not reason.strip():
        raise InvalidInput.on("reason", _("Nêu lý do miễn trừ."))
    dataset.pii_exemption = reason.strip()
    dataset.version += 1
    dataset.save()
    record_event(
        subject=dataset,
        action=events.PII_EXEMPTED,
        actor=actor,
        payload={"reason": dataset.pii_exemption, "findings": selectors.pii_findings(dataset)},
    )
    return dataset


@transaction.atomic
def mark_reviewed(*, actor: User, dataset_id: Any, version: int | None) -> Dataset:
    dataset = _locked(dataset_id, version)
    if not selectors.may_review(actor, dataset.organization):
        raise Forbidden(lifecycle.REVIEWER.refusal, code=lifecycle.REVIEWER.refusal_code)
    if dataset.state != State.PUBLISHED:
        raise Conflict(_("Chỉ rà soát bộ dữ liệu đã công bố."), code="not_published")
    dataset.reviewed_at = timezone.now()
    dataset.version += 1
    dataset.save()
    record_event(subject=dataset, action=events.CATALOGUE_REVIEWED, actor=actor, payload={})
    return dataset


# ---- resources and their versions --------------------------------------------------------------------------


@transaction.atomic
def add_link(*, actor: User | None, dataset_id: Any, name: str, url: str, format: str) -> Resource:
    dataset = _locked(dataset_id, None)
    if actor is not None and not selectors.may_edit(actor, dataset.organization):
        raise Forbidden(lifecycle.EDITOR.refusal, code=lifecycle.EDITOR.refusal_code)
    if not url.startswith(("https://", "http://")):
        raise InvalidInput.on("url", _("Nhập địa chỉ bắt đầu bằng https://"))
    resource = Resource.objects.create(
        dataset=dataset, name=name.strip() or url, url=url, format=format.upper()[:10],
        position=dataset.resources.count(),
    )  # fmt: skip
    record_event(
        subject=dataset,
        action=events.RESOURCE_ADDED,
        actor=actor,
        payload={"resource": str(resource.pk), "name": resource.name, "format": resource.format, "url": url},
    )
    return resource


def _format_of(filename: str) -> str:
    extension = Path(filename).suffix.lower().lstrip(".")
    for item in FORMATS.values():
        if item.extension == extension and item.label in UPLOAD_FORMATS:
            return item.label
    raise InvalidInput.on("file", _("Chỉ nhận tệp CSV hoặc XLSX."), code="unsupported_format")


@transaction.atomic
def add_version(
    *,
    actor: User | None,
    dataset_id: Any,
    content: IO[bytes],
    filename: str,
    size: int,
    name: str = "",
    resource_id: Any = None,
    data_as_of: datetime | None = None,
) -> ResourceVersion:
    """Stores an uploaded (or refreshed) file as a new version of a resource (a new resource when none is
    named) and queues its load; the resource keeps showing its current version until the load is done."""
    dataset = _locked(dataset_id, None)
    if actor is not None and not selectors.may_edit(actor, dataset.organization):
        raise Forbidden(lifecycle.EDITOR.refusal, code=lifecycle.EDITOR.refusal_code)
    if size > MAX_UPLOAD_BYTES:
        raise InvalidInput.on("file", _("Tệp quá lớn: tối đa %(mb)s MB."), params={"mb": MAX_UPLOAD_BYTES // 2**20},
                              code="file_too_large")  # fmt: skip
    if size == 0:
        raise InvalidInput.on("file", _("Tệp rỗng."), code="empty_file")
    format = _format_of(filename)
    if resource_id is None:
        resource = Resource.objects.create(
            dataset=dataset, name=name.strip() or Path(filename).stem, format=format,
            position=dataset.resources.count(),
        )  # fmt: skip
        record_event(
            subject=dataset,
            action=events.RESOURCE_ADDED,
            actor=actor,
            payload={"resource": str(resource.pk), "name": resource.name, "format": format, "url": ""},
        )
    else:
        found = Resource.objects.select_for_update().filter(pk=resource_id, dataset=dataset).first()
        if found is None:
            raise NotFound(_("Không tìm thấy tài nguyên."), code="resource_not_found")
        resource = found
    digest = hashlib.sha256()
    for chunk in iter(lambda: content.read(1024 * 1024), b""):
        digest.update(chunk)
    content.seek(0)
    number = (resource.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ResourceVersion(
        resource=resource, number=number, filename=filename[:255], size=size, sha256=digest.hexdigest(),
        data_as_of=data_as_of or timezone.now(),
    )  # fmt: skip
    with removed_on_failure():
        version.file.save(f"{resource.pk}-{number}.{FORMATS[format].extension}", File(content), save=False)
        version.save()
    job = LoadJob.objects.create(version=version)
    record_event(
        subject=dataset,
        action=events.VERSION_ADDED,
        actor=actor,
        payload={"resource": str(resource.pk), "number": number, "sha256": version.sha256, "size": size},
    )
    from tinhso.opendata import tasks

    transaction.on_commit(lambda: tasks.load_version(job.pk))
    return version


@transaction.atomic
def start_load(*, job_id: int) -> LoadJob | None:
    """Marks a queued job running (None when another worker has it, or it is finished)."""
    job = LoadJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != LoadJob.Status.QUEUED:
        return None
    job.status = LoadJob.Status.RUNNING
    job.attempts += 1
    job.started_at = job.heartbeat_at = timezone.now()
    job.save()
    return job


def beat(*, job_id: int, rows: int) -> None:
    """The running job's heartbeat (inside the transaction of the chunk it wrote)."""
    LoadJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now(), rows_loaded=rows)


@transaction.atomic
def finish_load(*, job_id: int, loaded: datastore.Loaded | None, error: str = "") -> LoadJob:
    """Ends a load: done makes the version the resource's current one, error leaves the resource as it was
    (and removes the rows written). Its event goes on the dataset's chain."""
    job = LoadJob.objects.select_for_update().select_related("version__resource").get(pk=job_id)
    version = job.version
    resource = Resource.objects.select_for_update().get(pk=version.resource_id)
    job.finished_at = timezone.now()
    if loaded is not None and not error and loaded.rows == 0 and loaded.bad_count:
        error = str(_("Không có dòng dữ liệu hợp lệ nào."))  # an empty table loads; one of bad rows does not
    if loaded is not None:
        job.encoding, job.delimiter = loaded.encoding, loaded.delimiter
        job.bad_rows = loaded.bad_rows
    if error:
        job.status, job.error = LoadJob.Status.ERROR, error
        datastore.discard(version.pk)
    else:
        assert loaded is not None
        job.status, job.rows_loaded = LoadJob.Status.DONE, loaded.rows
        version.fields, version.rows, version.findings = loaded.fields, loaded.rows, loaded.findings
        version.save(update_fields=["fields", "rows", "findings"])
        previous = resource.current_id
        resource.current = version
        resource.save(update_fields=["current", "modified_at"])
        if previous is not None:
            datastore.discard(previous)  # the file stays; its rows are replaced
    job.save()
    record_event(
        subject=f"opendata.dataset:{resource.dataset_id}",
        action=events.LOAD_FINISHED,
        actor=None,
        payload={
            "resource": str(resource.pk), "number": version.number, "status": job.status,
            "rows": job.rows_loaded if not error else 0, "bad_rows": loaded.bad_count if loaded else 0,
            "error": error,
        },
    )  # fmt: skip
    return job


def run_load(*, job_id: int) -> LoadJob | None:
    """The background job: reads the version's file into the datastore and finishes the load."""
    job = start_load(job_id=job_id)
    if job is None:
        return None
    version = job.version
    try:
        with _local_copy(version) as path:
            loaded = datastore.load(
                version_id=version.pk,
                path=path,
                format=version.resource.format,
                heartbeat=lambda rows: beat(job_id=job_id, rows=rows),
            )
    except tabular.UnreadableFile as unreadable:
        return finish_load(job_id=job_id, loaded=None, error=str(unreadable))
    return finish_load(job_id=job_id, loaded=loaded)


@contextmanager
def _local_copy(version: ResourceVersion) -> Iterator[Path]:
    """The version's file as a local path (a temporary copy when the storage is remote)."""
    try:
        local = Path(version.file.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with (
        tempfile.NamedTemporaryFile(suffix=Path(version.file.name).suffix) as copy,
        version.file.open("rb") as stored,
    ):
        shutil.copyfileobj(stored, copy)
        copy.flush()
        yield Path(copy.name)


@transaction.atomic
def reap_stuck_loads(*, now: datetime | None = None) -> list[int]:
    """Running loads whose heartbeat stopped (a killed worker) go back to the queue, or to error after
    MAX_ATTEMPTS; returns the ids queued again."""
    limit = (now or timezone.now()) - STUCK_AFTER
    stuck = list(
        LoadJob.objects.select_for_update().filter(status=LoadJob.Status.RUNNING, heartbeat_at__lt=limit)
    )
    again = []
    for job in stuck:
        if job.attempts >= MAX_ATTEMPTS:
            finish_load(job_id=job.pk, loaded=None, error=str(_("Nạp dữ liệu bị gián đoạn nhiều lần.")))
            continue
        job.status = LoadJob.Status.QUEUED
        job.save(update_fields=["status"])
        again.append(job.pk)
    from tinhso.opendata import tasks

    for job_id in again:
        transaction.on_commit(functools.partial(tasks.load_version, job_id))
    return again


def count_hit(*, kind: str, action: str = "", dataset_id: Any = None) -> None:
    """Counts a download or an API call (appended: no row that concurrent requests would wait on)."""
    Hit.objects.create(day=timezone.localdate(), kind=kind, action=action[:40], dataset_id=dataset_id)


# ---- shared data -------------------------------------------------------------------------------------------


@transaction.atomic
def register_shared_database(
    *, actor: User | None, code: str, name: str, owner: str, classification: str, legal_basis: str,
    description: str = "",
) -> SharedDatabase:  # fmt: skip
    if actor is not None:
        core_selectors.require_role(actor, "administrator")
    if classification not in SharedDatabase.Classification.values:
        raise InvalidInput.on("classification", _("Phân loại không hợp lệ."))
    if not legal_basis.strip():
        raise InvalidInput.on("legal_basis", _("Nêu căn cứ pháp lý."))
    database, _created = SharedDatabase.objects.update_or_create(
        code=code,
        defaults={"name": name, "owner": core_selectors.unit_by_code(owner), "classification": classification,
                  "legal_basis": legal_basis, "description": description},
    )  # fmt: skip
    record_event(
        subject=database,
        action=events.SHARED_DATABASE_REGISTERED,
        actor=actor,
        payload={"code": code, "owner": owner, "classification": classification},
    )
    return database


@transaction.atomic
def register_shared_service(
    *, actor: User | None, database: str, code: str, name: str, scopes: list[str], openapi_url: str = "",
    version: str = "1",
) -> SharedService:  # fmt: skip
    if actor is not None:
        core_selectors.require_role(actor, "administrator")
    owner = SharedDatabase.objects.filter(code=database).first()
    if owner is None:
        raise NotFound(
            _("Không tìm thấy cơ sở dữ liệu “%(code)s”."),
            code="database_not_found",
            params={"code": database},
        )
    service, _created = SharedService.objects.update_or_create(
        code=code, defaults={"database": owner, "name": name, "scopes": scopes, "openapi_url": openapi_url,
                             "version": version},
    )  # fmt: skip
    record_event(
        subject=owner,
        action=events.SHARED_SERVICE_REGISTERED,
        actor=actor,
        payload={"code": code, "scopes": scopes},
    )
    return service


@transaction.atomic
def request_access(
    *, actor: User, service: str, requester: str, purpose: str, legal_basis: str, scopes: list[str],
    now: datetime | None = None,
) -> AccessRequest:  # fmt: skip
    """An agency's official asks to use a shared service; the answer is due in 2 working days."""
    found = SharedService.objects.select_related("database").filter(code=service).first()
    if found is None:
        raise NotFound(
            _("Không tìm thấy dịch vụ “%(code)s”."), code="service_not_found", params={"code": service}
        )
    unit = core_selectors.unit_by_code(requester)
    if not selectors.may_edit(actor, Organization(unit=unit)):
        raise Forbidden(_("Chỉ cán bộ của cơ quan yêu cầu được gửi yêu cầu này."), code="not_the_requester")
    if not purpose.strip():
        raise InvalidInput.on("purpose", _("Nêu mục đích khai thác."))
    if not legal_basis.strip():
        raise InvalidInput.on("legal_basis", _("Nêu căn cứ pháp lý."))
    unknown = sorted(set(scopes) - set(found.scopes))
    if not scopes or unknown:
        raise InvalidInput.on(
            "scopes", _("Chọn phạm vi trong số: %(scopes)s."), params={"scopes": ", ".join(found.scopes)}
        )
    asked = now or timezone.now()
    request = AccessRequest.objects.create(
        service=found, requester=unit, purpose=purpose.strip(), legal_basis=legal_basis.strip(),
        scopes=sorted(set(scopes)), requested_by=actor, requested_at=asked,
        due_at=add_working_time(asked, days=DATA_SHARING_ANSWER_DAYS),
    )  # fmt: skip
    record_event(
        subject=request,
        action=events.ACCESS_REQUESTED,
        actor=actor,
        payload={"service": service, "requester": requester, "scopes": request.scopes,
                 "due_at": request.due_at.isoformat()},
    )  # fmt: skip
    return request


@transaction.atomic
def answer_access(
    *, actor: User, request_id: int, version: int, action: str, reason: str = "", now: datetime | None = None
) -> AccessRequest:
    """The owner approves, refuses (with a reason) or revokes (with a reason) an access request."""
    request = (
        AccessRequest.objects.select_for_update()
        .select_related("service__database")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(_("Không tìm thấy yêu cầu."), code="request_not_found")
    if request.version != version:
        raise Conflict(_("Yêu cầu vừa được người khác xử lý; hãy tải lại trang."), code="stale_version")
    row = lifecycle.ACCESS_LIFECYCLE.check(action, request.state)
    lifecycle.ACCESS_LIFECYCLE.authorize(row, lambda party: selectors.may_answer(actor, request))
    reason = reason.strip()
    if action in lifecycle.ACCESS_NEEDS_REASON and not reason:
        raise InvalidInput.on("reason", _("Nêu lý do (bắt buộc khi từ chối hoặc thu hồi)."))
    request.state = row.target
    request.reason = reason
    request.decided_by = actor
    request.decided_at = now or timezone.now()
    request.version += 1
    request.save()
    record_event(
        subject=request, action=row.event, actor=actor,
        payload={"reason": reason} if action in lifecycle.ACCESS_NEEDS_REASON else {},
    )  # fmt: skip
    return request
