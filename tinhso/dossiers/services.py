"""Every write of a dossier's lifecycle. Each function locks the dossier, checks the caller's `version`,
the actor's role and unit, and that the transition is allowed from the current status, then records it."""

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import cache
from hashlib import sha256
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import Procedure, ProcessStep
from tinhso.core import files as core_files
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.core.eventlog import canonical_json
from tinhso.core.models import AdminUnit, Event, Role, RoleAssignment, User
from tinhso.core.money import checked_amount
from tinhso.core.services import first_event, id_sequence_sql, insert_new, record_event, reserve_id
from tinhso.core.working_time import add_working_time, is_working_day, working_time_between
from tinhso.dossiers import selectors
from tinhso.dossiers.models import (
    Channel,
    Dossier,
    DossierCounter,
    DossierDocument,
    IdempotencyKey,
    Rating,
    Status,
)
from tinhso.dossiers.validation import checked_attachments, form_errors

ACKNOWLEDGE_HOURS = 8  # Decree 45/2020: an online dossier is acknowledged within 8 working hours
MAX_RESULT_BYTES = 20 * 1024 * 1024
BEFORE_RESULT = (Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT)


# ---- helpers ---------------------------------------------------------------------------------------


def _state(dossier: Dossier) -> dict[str, Any]:
    """The current state a refused writer is shown, so it can reload and decide again."""
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "version": dossier.version,
        "current_step": dossier.current_step.order if dossier.current_step_id else None,
        "current_unit": dossier.current_unit.code if dossier.current_unit_id else None,
    }


def _locked(*, actor: User, code: str, version: int) -> Dossier:
    """The dossier, row-locked for this transaction, if the actor may see it and `version` is current."""
    if not selectors.visible_dossiers(actor).filter(code=code).exists():
        raise NotFound(f"Không tìm thấy hồ sơ “{code}”.", code="dossier_not_found", value=code)
    dossier = Dossier.objects.select_for_update().get(code=code)
    if dossier.version != version:
        raise Conflict(
            "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thực hiện lại.",
            code="stale_version",
            current=_state(dossier),
        )
    return dossier


def _require_status(dossier: Dossier, allowed: Iterable[int], doing: str) -> None:
    if dossier.status not in allowed:
        label = Status(dossier.status).label
        raise Conflict(
            f"Không thể {doing} khi hồ sơ đang ở trạng thái “{label}”.",
            code="transition_not_allowed",
            current=_state(dossier),
        )


def _holds(actor: User, role: str, unit_id: int | None) -> bool:
    return unit_id is not None and core_selectors.units_where(actor, role).filter(pk=unit_id).exists()


def _require_receptionist(actor: User, dossier: Dossier) -> None:
    if not _holds(actor, Role.RECEPTIONIST, dossier.receiving_unit_id):
        raise Forbidden(
            "Chỉ cán bộ một cửa của nơi tiếp nhận được thực hiện việc này.", code="not_receptionist"
        )


def _require_step_actor(actor: User, dossier: Dossier) -> None:
    step = dossier.current_step
    if step is None or not _holds(actor, step.role, dossier.current_unit_id):
        raise Forbidden("Hồ sơ không ở bước xử lý của anh/chị.", code="not_at_your_step")


def _require_no_consultation(dossier: Dossier) -> None:
    if dossier.consulted_unit_id:
        raise Conflict(
            f"Hồ sơ đang chờ ý kiến của {dossier.consulted_unit.name}.",
            code="awaiting_consultation",
            current=_state(dossier),
        )


def _require_applicant(actor: User, dossier: Dossier) -> None:
    if dossier.applicant_id != actor.pk:
        raise Forbidden("Chỉ người nộp hồ sơ được thực hiện việc này.", code="not_applicant")


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, errors={field: [message]})
    return value


def _hours(amount: timedelta) -> float:
    return amount.total_seconds() / 3600


def _steps(dossier: Dossier) -> list[ProcessStep]:
    return list(dossier.procedure.steps.order_by("order"))


def _return_step(steps: list[ProcessStep]) -> ProcessStep | None:
    """The last step when it hands the result back at the desk; reaching it needs a result."""
    last = steps[-1]
    if len(steps) > 1 and last.role == Role.RECEPTIONIST and last.unit_kind == ProcessStep.UnitKind.RECEIVING:
        return last
    return None


def _step_unit(dossier: Dossier, step: ProcessStep) -> AdminUnit:
    if step.unit_kind == ProcessStep.UnitKind.RECEIVING:
        return dossier.receiving_unit
    if step.unit_kind == ProcessStep.UnitKind.AUTHORITY:
        return dossier.authority_unit
    return step.unit


def _enter_step(dossier: Dossier, step: ProcessStep | None, now: datetime) -> None:
    dossier.current_step = step
    dossier.current_unit = _step_unit(dossier, step) if step else None
    dossier.step_started_at = now if step else None
    dossier.step_due_at = add_working_time(now, hours=step.hours) if step else None
    dossier.overdue_flagged_at = None


def _commit(dossier: Dossier, *, actor: User, action: str, before: int, **payload) -> Dossier:
    """Saves the change with the next version and appends its event, in the caller's transaction."""
    dossier.version += 1
    dossier.save()
    record_event(
        subject=dossier,
        action=f"dossier.{action}",
        actor=actor,
        payload=event_payload(dossier, before=before) | payload,
    )
    return dossier


def event_payload(dossier: Dossier, *, before: int) -> dict[str, Any]:
    """What every lifecycle event says of the dossier after the change (the data generator writes it too)."""
    return {
        "code": dossier.code,
        "from": before,
        "status": dossier.status,
        "version": dossier.version,
        "step": dossier.current_step.order if dossier.current_step_id else None,
        "unit": dossier.current_unit.code if dossier.current_unit_id else None,
        "step_due_at": dossier.step_due_at.isoformat() if dossier.step_due_at else None,
    }


def promised_date(procedure: Procedure, accepted_at: datetime) -> datetime:
    """The legal return date of a dossier accepted at `accepted_at`."""
    if procedure.processing_hours:
        return add_working_time(accepted_at, hours=procedure.processing_hours)
    local = timezone.localtime(accepted_at)
    start = accepted_at
    if procedure.cutoff_time and is_working_day(local.date()) and local.time() < procedure.cutoff_time:
        # Accepted before the cut-off, the day of acceptance is the first day counted (“trong ngày”).
        start = accepted_at - timedelta(days=1)
    return add_working_time(start, days=procedure.processing_days)


def _checked_form(procedure: Procedure, form_data: object) -> dict[str, Any]:
    errors = form_errors(procedure.form_schema, form_data)
    if errors:
        raise InvalidInput("Thông tin trong tờ khai chưa hợp lệ; xem lỗi ở từng mục.", errors=errors)
    return form_data


@cache
def _counter_upsert(vendor: str, *, own_commit: bool) -> str:
    quote = connection.ops.quote_name
    table, day, last = quote(DossierCounter._meta.db_table), quote("day"), quote("last")
    source = ""
    returning = last
    if vendor == "postgresql":
        # The dossier's id comes with its number: its event chain is named by the id before the one INSERT.
        returning = f"{last}, {id_sequence_sql(Dossier)}"
        if own_commit:
            # Its commit need not wait for the disk (under the row lock, that wait capped a desk at a few
            # hundred numbers a second): the dossier given the number commits later, and flushing that commit
            # flushes this.
            source = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed "
    return (
        f"INSERT INTO {table} (unit_id, {day}, {last}) SELECT %s, %s, 1 {source}"
        f"WHERE {catalog_selectors.still_current_sql()} "
        f"ON CONFLICT (unit_id, {day}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {returning}"
    )


def _take_number(unit: AdminUnit, instant: datetime, procedure: Procedure) -> tuple[str, int] | None:
    """The dossier's code, `{agency code}-{yymmdd}-{seq}` with the sequence restarting per receiving unit per
    local day, and its id; None, taking nothing, when `procedure` is no longer the current version.

    Called outside a transaction, the upsert commits on its own: like a sequence, the counter's row is locked
    for one statement, not for the submission's transaction, and a submission failing later leaves a gap."""
    day = timezone.localdate(instant)
    statement = _counter_upsert(connection.vendor, own_commit=not connection.in_atomic_block)
    # One upsert takes the number; the ORM cannot express it.
    with connection.cursor() as cursor:
        cursor.execute(statement, [unit.pk, connection.ops.adapt_datefield_value(day), procedure.pk])
        numbered = cursor.fetchone()
    if numbered is None:
        return None
    sequence = numbered[0]
    # PostgreSQL answers the id with the number; elsewhere it is reserved by a statement of its own.
    dossier_id = numbered[1] if len(numbered) > 1 else reserve_id(Dossier)
    return f"{unit.agency_code}-{day:%y%m%d}-{sequence:04d}", dossier_id


def _replaced(procedure: Procedure) -> Conflict:
    return Conflict(
        f"Thủ tục “{procedure.name}” vừa được cập nhật; vui lòng xem lại và nộp lại hồ sơ.",
        code="procedure_changed",
    )


def _province_desk(procedure: Procedure) -> AdminUnit:
    """The provincial service centre, kept on the procedure version (cached per process, like its authority)."""
    desk = procedure.__dict__.get("_province_desk")
    if desk is None:
        desk = procedure.__dict__["_province_desk"] = core_selectors.unit_by_code(
            f"000.00.01.{settings.TINHSO_PROVINCE}"
        )
    return desk


def _units_for(
    procedure: Procedure, receiving_unit_code: str | None, authority_unit_code: str | None
) -> tuple[AdminUnit, AdminUnit]:
    """Where the dossier is lodged (any desk of the province, Decree 118) and who decides it."""
    if receiving_unit_code:
        receiving = core_selectors.unit_by_code(receiving_unit_code)
    elif procedure.level == Procedure.Level.PROVINCE:
        receiving = _province_desk(procedure)
    else:
        message = "Cần chọn Ủy ban nhân dân xã, phường nơi nộp hồ sơ."
        raise InvalidInput(message, errors={"receiving_unit": [message]})
    if not receiving.agency_code:
        message = f"{receiving.name} không tiếp nhận hồ sơ thủ tục hành chính."
        raise InvalidInput(message, errors={"receiving_unit": [message]})
    if procedure.level == Procedure.Level.PROVINCE:
        return receiving, procedure.authority
    authority = core_selectors.unit_by_code(authority_unit_code) if authority_unit_code else receiving
    if authority.category != "UBND":
        message = "Thủ tục cấp xã cần chọn Ủy ban nhân dân xã, phường có thẩm quyền giải quyết."
        raise InvalidInput(message, errors={"authority_unit": [message]})
    return receiving, authority


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _store(dossier: Dossier, accepted: Sequence[tuple[File, str, str]], now: datetime) -> list[str]:
    """Stores checked uploads; runs after every check, so a refused request leaves no file behind."""
    names = []
    for upload, content_type, digest in accepted:
        document = DossierDocument(
            dossier=dossier,
            name=PurePath(upload.name or "tep").name[:200],
            content_type=content_type,
            size=upload.size,
            sha256=digest,
            uploaded_at=now,
        )
        document.file.save(f"{dossier.code}-{digest[:16]}{EXTENSIONS[content_type]}", upload, save=False)
        core_files.written(document.file)
        document.save()
        names.append(document.name)
    return names


def _fingerprint(**request: object) -> str:
    return sha256(canonical_json(request).encode()).hexdigest()


def _checked_key(key: str) -> None:
    if not 1 <= len(key) <= 200:
        message = "Idempotency-Key phải dài từ 1 đến 200 ký tự."
        raise InvalidInput(message, errors={"Idempotency-Key": [message]})


def _answered_before(*, actor: User, key: str | None, fingerprint: str | None) -> Dossier | None:
    """After an insert refused as a duplicate: the dossier of the earlier request with this key (Conflict if
    it asked something else), or None when there is none and the refusal had another cause."""
    quote = connection.ops.quote_name
    earlier = None
    if key is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT fingerprint, dossier_id FROM {quote(IdempotencyKey._meta.db_table)} "
                f"WHERE user_id = %s AND {quote('key')} = %s",
                [actor.pk, key],
            )
            earlier = cursor.fetchone()
    if earlier is None:
        return None
    if earlier[0] != fingerprint:
        raise Conflict(
            "Idempotency-Key này đã được dùng cho một yêu cầu khác.", code="idempotency_key_reused"
        )
    return Dossier.objects.get(pk=earlier[1])


def _insert_or_earlier(
    rows: list[Model],
    *,
    actor: User,
    key: str | None,
    fingerprint: str | None,
    now: datetime,
    accepted: Sequence[tuple[File, str, str]] = (),
) -> Dossier | None:
    """Inserts the new dossiers, their events and the Idempotency-Key, with the checked files of the first
    dossier, all or none; returns None, or, when a request with the same key stored it first, writes nothing
    and returns that request's dossier. Without files the inserts are one statement, atomic by itself; files,
    or a caller's transaction (whose savepoint keeps a refused insert from aborting it), need an atomic block."""
    try:
        atomic = transaction.atomic() if accepted or connection.in_atomic_block else nullcontext()
        with core_files.removed_on_failure(), atomic:
            insert_new(*rows)
            _store(rows[0], accepted, now)
    except IntegrityError:
        earlier = _answered_before(actor=actor, key=key, fingerprint=fingerprint)
        if earlier is None:
            raise
        return earlier
    return None


def _new_dossier(
    *,
    actor: User,
    applicant: User,
    procedure: Procedure,
    form_data: dict[str, Any],
    receiving: AdminUnit,
    authority: AdminUnit,
    channel: int,
    number: tuple[str, int],
    now: datetime,
    group_code: str = "",
) -> tuple[Dossier, Event]:
    """The dossier under its code and id, and the first event of its chain, both still to be inserted."""
    code, dossier_id = number
    dossier = Dossier(
        pk=dossier_id,
        code=code,
        procedure=procedure,
        applicant=applicant,
        receiving_unit=receiving,
        authority_unit=authority,
        channel=channel,
        status=Status.NEW,
        form_data=form_data,
        group_code=group_code,
        submitted_at=now,
        acknowledge_due_at=add_working_time(now, hours=ACKNOWLEDGE_HOURS)
        if channel == Channel.ONLINE
        else None,
    )
    event = first_event(
        subject=dossier,
        action="dossier.submitted",
        actor=actor,
        payload={
            "code": dossier.code,
            "status": Status.NEW,
            "version": dossier.version,
            "procedure": procedure.code,
            "procedure_version": procedure.version,
            "channel": channel,
            "receiving_unit": receiving.code,
            "acknowledge_due_at": dossier.acknowledge_due_at.isoformat()
            if dossier.acknowledge_due_at
            else None,
        },
    )
    return dossier, event


def _key_row(
    *, actor: User, key: str | None, fingerprint: str | None, dossier: Dossier
) -> list[IdempotencyKey]:
    """The Idempotency-Key pointing at the new dossier, inserted with it: a concurrent request that stored the
    same key first makes that insert fail, and the submission answers with its dossier instead."""
    if fingerprint is None:
        return []
    return [IdempotencyKey(user=actor, key=key, fingerprint=fingerprint, dossier=dossier)]


def _applicant_and_channel(
    *, actor: User, receiving: AdminUnit, channel: int | None, applicant_citizen_id: str | None
) -> tuple[User, int]:
    """A citizen submits online for themself; a receptionist lodges at the desk or from the post for someone."""
    if actor.is_citizen:
        if channel not in (None, Channel.ONLINE) or applicant_citizen_id not in (None, actor.citizen_id):
            raise Forbidden("Công dân chỉ nộp hồ sơ trực tuyến cho chính mình.", code="citizen_online_only")
        return actor, Channel.ONLINE
    if not _holds(actor, Role.RECEPTIONIST, receiving.pk):
        raise Forbidden(
            "Chỉ cán bộ một cửa của nơi tiếp nhận được nộp hồ sơ thay công dân.", code="not_receptionist"
        )
    if channel not in (Channel.IN_PERSON, Channel.POSTAL):
        message = "Hồ sơ nộp tại quầy ghi kênh trực tiếp (1) hoặc bưu chính (3)."
        raise InvalidInput(message, errors={"channel": [message]})
    applicant = User.objects.filter(
        citizen_id=applicant_citizen_id or "", account_type=User.AccountType.CITIZEN
    ).first()
    if applicant is None:
        message = "Không tìm thấy tài khoản công dân có số định danh này."
        raise NotFound(message, code="applicant_not_found", errors={"applicant_citizen_id": [message]})
    return applicant, channel


def submit_dossier(
    *,
    actor: User,
    procedure_code: str,
    form_data: dict[str, Any],
    receiving_unit_code: str | None = None,
    authority_unit_code: str | None = None,
    channel: int | None = None,
    applicant_citizen_id: str | None = None,
    idempotency_key: str | None = None,
    attachments: list[File] | None = None,
) -> tuple[Dossier, bool]:
    """Creates a dossier under the procedure's current version; returns it and whether it is new.

    With an idempotency key, a retry of the same request returns the first dossier and creates nothing. The
    key is claimed by the insert of the dossier, not looked up before (retries are rare, every first request
    would pay for the look-up), so a retry uses up the number it took. Everything is checked, and the number
    taken, before the one transaction that writes the dossier."""
    accepted = checked_attachments(attachments or [])
    fingerprint = None
    if idempotency_key is not None:
        _checked_key(idempotency_key)
        fingerprint = _fingerprint(
            procedure=procedure_code,
            form=form_data,
            receiving=receiving_unit_code,
            authority=authority_unit_code,
            channel=channel,
            applicant=applicant_citizen_id,
            files=[digest for _upload, _type, digest in accepted],
        )
    # First the version this process saw current a moment ago (no query); the number's upsert confirms it is
    # still current, and when it is not, the request is checked again against the one the database names.
    for read_procedure in (catalog_selectors.last_seen_procedure, catalog_selectors.current_procedure):
        procedure = read_procedure(procedure_code)
        receiving, authority = _units_for(procedure, receiving_unit_code, authority_unit_code)
        applicant, channel_used = _applicant_and_channel(
            actor=actor, receiving=receiving, channel=channel, applicant_citizen_id=applicant_citizen_id
        )
        checked_form = _checked_form(procedure, form_data)
        now = timezone.now()
        number = _take_number(receiving, now, procedure)
        if number is not None:
            break
    else:
        raise _replaced(procedure)
    dossier, event = _new_dossier(
        actor=actor,
        applicant=applicant,
        procedure=procedure,
        form_data=checked_form,
        receiving=receiving,
        authority=authority,
        channel=channel_used,
        number=number,
        now=now,
    )
    key = _key_row(actor=actor, key=idempotency_key, fingerprint=fingerprint, dossier=dossier)
    earlier = _insert_or_earlier(
        [dossier, event, *key],
        actor=actor,
        key=idempotency_key,
        fingerprint=fingerprint,
        accepted=accepted,
        now=now,
    )
    return (earlier, False) if earlier else (dossier, True)


def submit_bundle(
    *,
    actor: User,
    bundle_code: str,
    forms: dict[str, dict[str, Any]],
    receiving_unit_code: str,
    idempotency_key: str | None = None,
) -> list[Dossier]:
    """One application for interconnected procedures: a linked dossier for each, all or none.
    A retry with the same idempotency key returns the dossiers of the first application."""
    if not actor.is_citizen:
        raise Forbidden("Nhóm thủ tục liên thông do công dân nộp trực tuyến.", code="citizen_online_only")
    fingerprint = None
    if idempotency_key is not None:
        _checked_key(idempotency_key)
        fingerprint = _fingerprint(bundle=bundle_code, forms=forms, receiving=receiving_unit_code)
    procedures = catalog_selectors.bundle_procedures(catalog_selectors.bundle_by_code(bundle_code))
    errors: dict[str, list[str]] = {}
    for procedure in procedures:
        for field, messages in form_errors(procedure.form_schema, forms.get(procedure.code, {})).items():
            errors[f"{procedure.code}.{field}"] = messages
    if errors:
        raise InvalidInput("Thông tin trong tờ khai chưa hợp lệ; xem lỗi ở từng mục.", errors=errors)
    units = [_units_for(procedure, receiving_unit_code, None) for procedure in procedures]
    now = timezone.now()
    numbers = []
    for procedure, (receiving, _authority) in zip(procedures, units, strict=True):
        number = _take_number(receiving, now, procedure)
        if number is None:
            raise _replaced(procedure)
        numbers.append(number)
    written = [
        _new_dossier(
            actor=actor,
            applicant=actor,
            procedure=procedure,
            form_data=forms[procedure.code],
            receiving=receiving,
            authority=authority,
            channel=Channel.ONLINE,
            number=number,
            now=now,
            group_code=numbers[0][0],
        )
        for procedure, (receiving, authority), number in zip(procedures, units, numbers, strict=True)
    ]
    key = _key_row(actor=actor, key=idempotency_key, fingerprint=fingerprint, dossier=written[0][0])
    rows = [*[row for pair in written for row in pair], *key]
    earlier = _insert_or_earlier(rows, actor=actor, key=idempotency_key, fingerprint=fingerprint, now=now)
    return _group(earlier) if earlier else [dossier for dossier, _event in written]


def _group(lead: Dossier) -> list[Dossier]:
    return list(Dossier.objects.filter(group_code=lead.group_code).order_by("pk"))


# ---- reception -------------------------------------------------------------------------------------


@transaction.atomic
def accept(*, actor: User, code: str, version: int) -> Dossier:
    """Reception accepts the dossier (form 1): the legal clock starts and the promised date is set."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.NEW], "tiếp nhận")
    _require_receptionist(actor, dossier)
    now = timezone.now()
    dossier.status = Status.ACCEPTED
    dossier.accepted_at = now
    dossier.promised_at = dossier.original_promised_at = promised_date(dossier.procedure, now)
    _enter_step(dossier, _steps(dossier)[0], now)
    acknowledged_in_time = dossier.acknowledge_due_at is None or now <= dossier.acknowledge_due_at
    return _commit(
        dossier,
        actor=actor,
        action="accepted",
        before=Status.NEW,
        promised_at=dossier.promised_at.isoformat(),
        acknowledged_in_time=acknowledged_in_time,
    )


@transaction.atomic
def refuse(*, actor: User, code: str, version: int, reason: str) -> Dossier:
    """Reception refuses the dossier with reasons (form 3)."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.NEW], "từ chối tiếp nhận")
    _require_receptionist(actor, dossier)
    reason = _required_text(reason, "reason", "Cần nêu rõ lý do từ chối tiếp nhận.")
    dossier.status = Status.REFUSED
    dossier.closed_at = timezone.now()
    _enter_step(dossier, None, dossier.closed_at)
    return _commit(dossier, actor=actor, action="refused", before=Status.NEW, reason=reason)


@transaction.atomic
def request_supplement(*, actor: User, code: str, version: int, reason: str) -> Dossier:
    """Asks the applicant to supplement (form 2); the clock stops until they answer."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.NEW, Status.ACCEPTED, Status.PROCESSING], "yêu cầu bổ sung")
    if dossier.status == Status.NEW:
        _require_receptionist(actor, dossier)
    else:
        _require_step_actor(actor, dossier)
    reason = _required_text(reason, "reason", "Cần nêu rõ giấy tờ, thông tin phải bổ sung.")
    before = dossier.status
    dossier.paused_status = before
    dossier.paused_at = timezone.now()
    dossier.status = Status.SUPPLEMENT
    return _commit(dossier, actor=actor, action="supplement_requested", before=before, reason=reason)


def _resume(dossier: Dossier, now: datetime) -> timedelta:
    """Ends a pause (supplement or payment): every deadline moves by the office time paused."""
    paused = working_time_between(dossier.paused_at, now)
    dossier.status = dossier.paused_status
    if dossier.status == Status.NEW:
        # Not yet accepted: the reception's acknowledgement clock starts over.
        if dossier.channel == Channel.ONLINE:
            dossier.acknowledge_due_at = add_working_time(now, hours=ACKNOWLEDGE_HOURS)
            dossier.overdue_flagged_at = None
    elif paused > timedelta():
        dossier.paused_total += paused
        dossier.promised_at = add_working_time(dossier.promised_at, hours=_hours(paused))
        dossier.original_promised_at = add_working_time(dossier.original_promised_at, hours=_hours(paused))
        dossier.step_due_at = add_working_time(dossier.step_due_at, hours=_hours(paused))
    dossier.paused_at = dossier.paused_status = None
    return paused


@core_files.removed_on_failure()
@transaction.atomic
def answer_supplement(
    *,
    actor: User,
    code: str,
    version: int,
    form_data: dict[str, Any] | None = None,
    note: str = "",
    attachments: list[File] | None = None,
) -> Dossier:
    """The applicant answers: the clock resumes and every deadline moves by the office time paused."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_applicant(actor, dossier)
    _require_status(dossier, [Status.SUPPLEMENT], "bổ sung hồ sơ")
    accepted = checked_attachments(attachments or [], already=dossier.documents.count())
    if form_data is not None:
        dossier.form_data = _checked_form(dossier.procedure, form_data)
    now = timezone.now()
    files = _store(dossier, accepted, now)
    paused = _resume(dossier, now)
    return _commit(
        dossier,
        actor=actor,
        action="supplement_answered",
        before=Status.SUPPLEMENT,
        paused_hours=round(_hours(paused), 2),
        promised_at=dossier.promised_at.isoformat() if dossier.promised_at else None,
        note=note.strip(),
        files=files,
    )


@core_files.removed_on_failure()
@transaction.atomic
def attach_documents(*, actor: User, code: str, version: int, attachments: list[File]) -> Dossier:
    """The applicant adds files while the dossier waits for reception or for a supplement."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_applicant(actor, dossier)
    _require_status(dossier, [Status.NEW, Status.SUPPLEMENT], "đính kèm giấy tờ")
    accepted = checked_attachments(attachments, already=dossier.documents.count())
    if not accepted:
        message = "Cần chọn ít nhất một tệp."
        raise InvalidInput(message, errors={"attachments": [message]})
    files = _store(dossier, accepted, timezone.now())
    return _commit(dossier, actor=actor, action="documents_attached", before=dossier.status, files=files)


# ---- processing ------------------------------------------------------------------------------------


@transaction.atomic
def forward(*, actor: User, code: str, version: int, note: str = "") -> Dossier:
    """Hands the dossier to the next step of the internal process (form 6 records on time or late)."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.ACCEPTED, Status.PROCESSING], "chuyển bước xử lý")
    _require_step_actor(actor, dossier)
    _require_no_consultation(dossier)
    steps = _steps(dossier)
    following = [step for step in steps if step.order > dossier.current_step.order]
    if not following or following[0] == _return_step(steps):
        raise Conflict(
            "Đây là bước xử lý cuối: hãy ghi kết quả giải quyết thay vì chuyển bước.",
            code="transition_not_allowed",
            current=_state(dossier),
        )
    now = timezone.now()
    on_time = now <= dossier.step_due_at
    before = dossier.status
    dossier.status = Status.PROCESSING
    _enter_step(dossier, following[0], now)
    return _commit(
        dossier, actor=actor, action="forwarded", before=before, on_time=on_time, note=note.strip()
    )


@transaction.atomic
def send_back(*, actor: User, code: str, version: int, reason: str, to_step: int | None = None) -> Dossier:
    """Returns the dossier to an earlier step (the previous one unless told), with the reason."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.PROCESSING], "chuyển lại bước trước")
    _require_step_actor(actor, dossier)
    reason = _required_text(reason, "reason", "Cần nêu lý do chuyển lại.")
    current = dossier.current_step.order
    target_order = current - 1 if to_step is None else to_step
    target = next((step for step in _steps(dossier) if step.order == target_order), None)
    if target is None or target_order >= current:
        message = "Chỉ chuyển lại được về một bước trước bước hiện tại."
        raise InvalidInput(message, errors={"to_step": [message]})
    _enter_step(dossier, target, timezone.now())
    return _commit(dossier, actor=actor, action="sent_back", before=Status.PROCESSING, reason=reason)


@transaction.atomic
def apologize(*, actor: User, code: str, version: int, new_promised_at: datetime, reason: str) -> Dossier:
    """Apology and a new date (form 4); the dossier still counts as late against its first promise."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.ACCEPTED, Status.PROCESSING], "xin lỗi, hẹn lại ngày trả")
    if not _holds(actor, Role.UNIT_LEADER, dossier.authority_unit_id):
        _require_step_actor(actor, dossier)
    reason = _required_text(reason, "reason", "Cần nêu lý do chậm trả kết quả.")
    if new_promised_at <= dossier.promised_at:
        message = "Ngày hẹn mới phải sau ngày hẹn hiện tại."
        raise InvalidInput(message, errors={"new_promised_at": [message]})
    now = timezone.now()
    one_day = add_working_time(now, days=1)
    previous = dossier.promised_at
    dossier.promised_at = new_promised_at
    return _commit(
        dossier,
        actor=actor,
        action="apologized",
        before=dossier.status,
        reason=reason,
        previous_promised_at=previous.isoformat(),
        promised_at=new_promised_at.isoformat(),
        sent_a_day_ahead=one_day <= previous,
    )


@transaction.atomic
def stop(*, actor: User, code: str, version: int, reason: str) -> Dossier:
    """Stops handling (form 5)."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(
        dossier, [Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT], "dừng xử lý"
    )
    if not _holds(actor, Role.UNIT_LEADER, dossier.authority_unit_id):
        _require_step_actor(actor, dossier)
    reason = _required_text(reason, "reason", "Cần nêu lý do dừng xử lý.")
    before = dossier.status
    dossier.status = Status.STOPPED
    dossier.closed_at = timezone.now()
    dossier.paused_at = dossier.paused_status = None
    dossier.consulted_unit = dossier.consult_due_at = None
    dossier.step_due_at = None
    return _commit(dossier, actor=actor, action="stopped", before=before, reason=reason)


def _checked_result(result_file: "File[Any] | None") -> "File[Any]":
    message = ""
    if result_file is None:
        message = "Cần đính kèm tệp kết quả giải quyết (PDF)."
    elif result_file.size > MAX_RESULT_BYTES:
        message = "Tệp kết quả không được lớn hơn 20 MB."
    else:
        result_file.seek(0)
        if result_file.read(5) != b"%PDF-":
            message = "Tệp kết quả phải là tệp PDF."
        result_file.seek(0)
    if message:
        raise InvalidInput(message, errors={"result_file": [message]})
    return result_file


@core_files.removed_on_failure()
@transaction.atomic
def finish(
    *, actor: User, code: str, version: int, result_file: "File[Any] | None", note: str = ""
) -> Dossier:
    """Records the result at the last handling step; the dossier goes to the desk to be returned."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.ACCEPTED, Status.PROCESSING], "ghi kết quả")
    _require_step_actor(actor, dossier)
    _require_no_consultation(dossier)
    steps = _steps(dossier)
    return_step = _return_step(steps)
    last_handling = steps[-2] if return_step else steps[-1]
    if dossier.current_step != last_handling:
        raise Conflict(
            "Chỉ ghi kết quả ở bước xử lý cuối cùng của quy trình.",
            code="transition_not_allowed",
            current=_state(dossier),
        )
    note = _column_text(note, field="result_note", name="note")
    result_file = _checked_result(result_file)
    now = timezone.now()
    on_time = now <= dossier.step_due_at
    before = dossier.status
    dossier.status = Status.FINISHED
    dossier.finished_at = now
    dossier.result_note = note
    dossier.result_file.save(f"{dossier.code}.pdf", result_file, save=False)
    core_files.written(dossier.result_file)
    _enter_step(dossier, return_step, now)
    return _commit(
        dossier,
        actor=actor,
        action="finished",
        before=before,
        on_time=on_time,
        late=now > dossier.original_promised_at,
    )


@transaction.atomic
def return_result(*, actor: User, code: str, version: int) -> Dossier:
    """The desk hands the result to the applicant (or sends it online / by post)."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.FINISHED], "trả kết quả")
    _require_receptionist(actor, dossier)
    now = timezone.now()
    dossier.status = Status.RETURNED
    dossier.returned_at = now
    _enter_step(dossier, None, now)
    return _commit(dossier, actor=actor, action="returned", before=Status.FINISHED)


@transaction.atomic
def consult(*, actor: User, code: str, version: int, unit_code: str, question: str, days: int = 3) -> Dossier:
    """Asks another agency's opinion (liên thông); the dossier waits at its step until the answer."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.PROCESSING], "lấy ý kiến cơ quan khác")
    _require_step_actor(actor, dossier)
    _require_no_consultation(dossier)
    question = _required_text(question, "question", "Cần nêu nội dung xin ý kiến.")
    unit = core_selectors.unit_by_code(unit_code)
    if not unit.agency_code or unit.pk == dossier.current_unit_id:
        message = "Chọn một cơ quan khác có tiếp nhận, giải quyết hồ sơ."
        raise InvalidInput(message, errors={"unit_code": [message]})
    if not 1 <= days <= 30:
        raise InvalidInput("Thời hạn trả lời từ 1 đến 30 ngày làm việc.", errors={"days": ["1–30"]})
    dossier.consulted_unit = unit
    dossier.consult_due_at = add_working_time(timezone.now(), days=days)
    return _commit(
        dossier,
        actor=actor,
        action="consulted",
        before=Status.PROCESSING,
        consulted_unit=unit.code,
        question=question,
        consult_due_at=dossier.consult_due_at.isoformat(),
    )


@transaction.atomic
def answer_consultation(*, actor: User, code: str, version: int, answer: str) -> Dossier:
    """The consulted agency answers; the dossier's handler may go on."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.PROCESSING], "trả lời xin ý kiến")
    if not dossier.consulted_unit_id:
        raise Conflict("Hồ sơ không chờ ý kiến nào.", code="transition_not_allowed", current=_state(dossier))
    if not any(_holds(actor, role, dossier.consulted_unit_id) for role in selectors.CONSULTED_ROLES):
        raise Forbidden("Chỉ cơ quan được xin ý kiến mới trả lời.", code="not_consulted_unit")
    answer = _required_text(answer, "answer", "Cần nêu ý kiến trả lời.")
    unit, due = dossier.consulted_unit, dossier.consult_due_at
    dossier.consulted_unit = dossier.consult_due_at = None
    return _commit(
        dossier,
        actor=actor,
        action="consultation_answered",
        before=Status.PROCESSING,
        consulted_unit=unit.code,
        answer=answer,
        on_time=timezone.now() <= due,
    )


@transaction.atomic
def request_payment(*, actor: User, code: str, version: int, amount: int, note: str = "") -> Dossier:
    """Asks the applicant to pay fees or taxes before the result; the time waiting is not counted."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.ACCEPTED, Status.PROCESSING], "yêu cầu thực hiện nghĩa vụ tài chính")
    _require_step_actor(actor, dossier)
    checked_amount(amount, field="amount")
    before = dossier.status
    dossier.paused_status = before
    dossier.paused_at = timezone.now()
    dossier.status = Status.PAYMENT
    return _commit(
        dossier, actor=actor, action="payment_requested", before=before, amount=amount, note=note.strip()
    )


@transaction.atomic
def confirm_payment(*, actor: User, code: str, version: int, receipt: str) -> Dossier:
    """Records the payment (receipt or transaction number); the clock resumes where it stopped."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_status(dossier, [Status.PAYMENT], "xác nhận đã nộp")
    if not _holds(actor, Role.RECEPTIONIST, dossier.receiving_unit_id):
        _require_step_actor(actor, dossier)
    receipt = _required_text(receipt, "receipt", "Cần ghi số biên lai hoặc mã giao dịch.")
    paused = _resume(dossier, timezone.now())
    return _commit(
        dossier,
        actor=actor,
        action="payment_confirmed",
        before=Status.PAYMENT,
        receipt=receipt,
        paused_hours=round(_hours(paused), 2),
    )


# ---- applicant -------------------------------------------------------------------------------------


@transaction.atomic
def withdraw(*, actor: User, code: str, version: int, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier, at any time before the result is ready."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_applicant(actor, dossier)
    _require_status(dossier, BEFORE_RESULT, "rút hồ sơ")
    before = dossier.status
    dossier.status = Status.WITHDRAWN
    dossier.closed_at = timezone.now()
    dossier.paused_at = dossier.paused_status = None
    dossier.consulted_unit = dossier.consult_due_at = None
    _enter_step(dossier, None, dossier.closed_at)
    return _commit(dossier, actor=actor, action="withdrawn", before=before, reason=reason.strip())


@transaction.atomic
def rate(*, actor: User, code: str, version: int, rating: int, comment: str = "") -> Dossier:
    """The applicant rates the service once the result is returned, once."""
    dossier = _locked(actor=actor, code=code, version=version)
    _require_applicant(actor, dossier)
    _require_status(dossier, [Status.RETURNED], "đánh giá")
    if dossier.rating is not None:
        raise Conflict("Hồ sơ này đã được đánh giá.", code="already_rated", current=_state(dossier))
    if rating not in Rating.values:
        message = "Mức đánh giá phải là 1 (không hài lòng), 2 (hài lòng) hoặc 3 (rất hài lòng)."
        raise InvalidInput(message, errors={"rating": [message]})
    dossier.rating = rating
    dossier.rating_comment = _column_text(comment, field="rating_comment", name="comment")
    return _commit(dossier, actor=actor, action="rated", before=Status.RETURNED, rating=rating)


def _column_text(value: str, *, field: str, name: str) -> str:
    """`value` stripped, refused (naming the input `name`) when longer than the dossier's column `field`."""
    text = value.strip()
    limit = Dossier._meta.get_field(field).max_length
    if limit is not None and len(text) > limit:
        message = f"Dài tối đa {limit} ký tự."
        raise InvalidInput(message, errors={name: [message]})
    return text


# ---- clocks ----------------------------------------------------------------------------------------


def _handlers(role: str, unit: AdminUnit) -> list[int]:
    """Accounts holding `role` over `unit`, that is over the unit or any unit above it."""
    parts = unit.path.rstrip("/").split("/")
    paths = ["/".join(parts[: depth + 1]) + "/" for depth in range(len(parts))]
    today = timezone.localdate()
    holders = RoleAssignment.objects.filter(role=role, unit__path__in=paths).exclude(valid_to__lt=today)
    return sorted(set(holders.values_list("user_id", flat=True)))


@transaction.atomic
def _flag_overdue(*, pk: int, now: datetime) -> bool:
    dossier = Dossier.objects.select_for_update().get(pk=pk)
    if dossier.status == Status.NEW:
        due, role, unit = dossier.acknowledge_due_at, Role.RECEPTIONIST, dossier.receiving_unit
    elif dossier.status in selectors.OPEN_STATUSES and dossier.current_step_id:
        due, role, unit = dossier.step_due_at, dossier.current_step.role, dossier.current_unit
    else:
        return False
    if dossier.overdue_flagged_at is not None or due is None or due >= now:
        return False  # handled or flagged meanwhile
    # A flag of the clock, not a change of state: the version stays, so officials' open pages stay valid.
    dossier.overdue_flagged_at = now
    dossier.save(update_fields=["overdue_flagged_at"])
    record_event(
        subject=dossier,
        action="dossier.overdue",
        actor=None,
        payload={
            "code": dossier.code,
            "status": dossier.status,
            "step": dossier.current_step.order if dossier.current_step_id else None,
            "unit": unit.code,
            "due_at": due.isoformat(),
            "notify": _handlers(role, unit),
        },
    )
    return True


def flag_overdue_dossiers(*, now: datetime | None = None) -> int:
    """Flags each dossier whose reception or current step is past due, once per step, naming its handlers
    for notification; one transaction per dossier, so one busy dossier never holds up the others."""
    now = now or timezone.now()
    return sum(_flag_overdue(pk=pk, now=now) for pk in selectors.overdue_dossier_ids(now=now))
