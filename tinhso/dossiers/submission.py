"""Submission of dossiers and their numbering: checks a request against the procedure's current version,
takes the receiving unit's next number, and inserts the dossier with its first event and Idempotency-Key.
The lifecycle that follows is in `services`."""

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime
from functools import partial
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import Procedure
from tinhso.core import files as core_files
from tinhso.core import idempotency
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound, text
from tinhso.core.models import AdminUnit, Domain, Event, IdempotencyKey, Role, User
from tinhso.core.services import first_event
from tinhso.core.sql import insert_new
from tinhso.core.working_time import add_working_time
from tinhso.dossiers import events, sql, validation
from tinhso.dossiers.models import Channel, Dossier, DossierDocument, Status
from tinhso.dossiers.validation import Checked, checked_attachments, form_errors, gathered

ACKNOWLEDGE_HOURS = 8  # Decree 45/2020: an online dossier is acknowledged within 8 working hours
# The kind of call an Idempotency-Key of a submission (of one dossier or of a bundle) belongs to.
IDEMPOTENCY_SCOPE = "dossiers.submission"


def checked_form(procedure: Procedure, form_data: object) -> dict[str, Any]:
    errors = form_errors(procedure.form_schema, form_data)
    if errors or not isinstance(form_data, dict):
        raise InvalidInput(_("Thông tin trong tờ khai chưa hợp lệ; xem lỗi ở từng mục."), errors=errors)
    return form_data


def _take_number(unit: AdminUnit, instant: datetime, procedure: Procedure) -> tuple[str, int] | None:
    """The dossier's code, `{agency code}-{yymmdd}-{seq}` with the sequence restarting per receiving unit per
    local day, and its id; None, taking nothing, when `procedure` is no longer the current version.

    Called outside a transaction, the upsert commits on its own: like a sequence, the counter's row is locked
    for one statement, not for the submission's transaction, and a submission failing later leaves a gap."""
    day = timezone.localdate(instant)
    numbered = sql.next_number(unit=unit, day=day, procedure=procedure)
    if numbered is None:
        return None
    sequence, dossier_id = numbered
    return f"{unit.agency_code}-{day:%y%m%d}-{sequence:04d}", dossier_id


def _replaced(procedure: Procedure) -> Conflict:
    return Conflict(
        text(
            _("Thủ tục “%(procedure)s” vừa được cập nhật; vui lòng xem lại và nộp lại hồ sơ."),
            {"procedure": procedure.name},
        ),
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
        message = _("Cần chọn Ủy ban nhân dân xã, phường nơi nộp hồ sơ.")
        raise InvalidInput(message, errors={"receiving_unit": [message]})
    if not receiving.agency_code:
        refusal = text(
            _("%(receiving)s không tiếp nhận hồ sơ thủ tục hành chính."), {"receiving": receiving.name}
        )
        raise InvalidInput(refusal, errors={"receiving_unit": [refusal]})
    if procedure.level == Procedure.Level.PROVINCE:
        return receiving, procedure.authority  # type: ignore[return-value]  # a province procedure has one
    authority = core_selectors.unit_by_code(authority_unit_code) if authority_unit_code else receiving
    if authority.category != "UBND":
        message = _("Thủ tục cấp xã cần chọn Ủy ban nhân dân xã, phường có thẩm quyền giải quyết.")
        raise InvalidInput(message, errors={"authority_unit": [message]})
    return receiving, authority


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def store_files(dossier: Dossier, accepted: Sequence[Checked], now: datetime) -> list[str]:
    """Stores checked uploads; runs after every check, so a refused request leaves no file behind."""
    names = []
    for upload, content_type, digest, requirement in accepted:
        document = DossierDocument(
            dossier=dossier,
            requirement=requirement,
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


def _insert_or_earlier(
    rows: Sequence[Model],
    *,
    actor: User,
    key: str | None,
    fingerprint: str | None,
    now: datetime,
    files: Sequence[tuple[Dossier, Sequence[Checked]]] = (),
) -> Dossier | None:
    """Inserts the new dossiers, their events and the Idempotency-Key, with the checked files of the first
    dossier, all or none; returns None, or, when a request with the same key stored it first, writes nothing
    and returns that request's dossier (core.idempotency). Without files the inserts are one statement, atomic
    by itself; files, or a caller's transaction (whose savepoint keeps a refused insert from aborting it), need
    an atomic block."""

    def insert() -> None:
        atomic = transaction.atomic() if files or connection.in_atomic_block else nullcontext()
        with core_files.removed_on_failure(), atomic:
            insert_new(*rows)
            for dossier, accepted in files:
                store_files(dossier, accepted, now)

    return idempotency.insert_or_earlier(
        insert=insert,
        user=actor,
        scope=IDEMPOTENCY_SCOPE,
        key=key or "",
        fingerprint=fingerprint or "",
        load=lambda pk: Dossier.objects.get(pk=pk),
    )


def _new_dossier(
    *,
    actor: User,
    applicant: User,
    procedure: Procedure,
    form_data: dict,
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
        action=events.SUBMITTED,
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
    if fingerprint is None or key is None:
        return []
    row = idempotency.key_row(
        user=actor, scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint, created=dossier
    )
    return [row]


def _applicant_and_channel(
    *, actor: User, receiving: AdminUnit, channel: int | None, applicant_citizen_id: str | None
) -> tuple[User, int]:
    """A citizen submits online for themself; a receptionist lodges at the desk or from the post for someone."""
    if actor.is_citizen:
        if channel not in (None, Channel.ONLINE) or applicant_citizen_id not in (None, actor.citizen_id):
            raise Forbidden(
                _("Công dân chỉ nộp hồ sơ trực tuyến cho chính mình."), code="citizen_online_only"
            )
        return actor, Channel.ONLINE
    if not core_selectors.holds_role(actor, Role.RECEPTIONIST, receiving.pk, domain=Domain.DOSSIERS):
        raise Forbidden(
            _("Chỉ cán bộ một cửa của nơi tiếp nhận được nộp hồ sơ thay công dân."), code="not_receptionist"
        )
    if channel not in (Channel.IN_PERSON, Channel.POSTAL):
        message = _("Hồ sơ nộp tại quầy ghi kênh trực tiếp (1) hoặc bưu chính (3).")
        raise InvalidInput(message, errors={"channel": [message]})
    if not (applicant_citizen_id or "").isdigit() or len(applicant_citizen_id or "") != 12:
        message = _("Số định danh cá nhân gồm 12 chữ số.")
        raise InvalidInput(message, errors={"applicant_citizen_id": [message]})
    applicant = User.objects.filter(
        citizen_id=applicant_citizen_id, account_type=User.AccountType.CITIZEN
    ).first()
    if applicant is None:
        message = _("Không tìm thấy tài khoản công dân có số định danh này.")
        raise NotFound(message, code="applicant_not_found", errors={"applicant_citizen_id": [message]})
    return applicant, channel


def submit_dossier(
    *,
    actor: User,
    procedure_code: str,
    form_data: dict,
    receiving_unit_code: str | None = None,
    authority_unit_code: str | None = None,
    channel: int | None = None,
    applicant_citizen_id: str | None = None,
    idempotency_key: str | None = None,
    attachments: "Sequence[File[Any]] | None" = None,
    documents: "Mapping[int, Sequence[File[Any]]] | None" = None,
) -> tuple[Dossier, bool]:
    """Creates a dossier under the procedure's current version; returns it and whether it is new.

    With an idempotency key, a retry of the same request returns the first dossier and creates nothing. The
    key is claimed by the insert of the dossier, not looked up before (retries are rare, every first request
    would pay for the look-up), so a retry uses up the number it took. Everything is checked, and the number
    taken, before the one transaction that writes the dossier, and every refusal is reported at once.

    `documents` holds the files of each required document by its order; online, the applicant's required
    documents must be there. Without it (the JSON API, whose files follow by `attach_documents`), reception
    checks them before accepting."""
    errors: dict[str, list[str]] = {}
    accepted: list[Checked] = []
    if documents is None:
        accepted = gathered(errors, partial(checked_attachments, attachments or [])) or []
    else:
        check = partial(
            validation.checked_documents,
            catalog_selectors.last_seen_procedure(procedure_code),
            documents,
            attachments or [],
            online=actor.is_citizen,
        )
        accepted = gathered(errors, check) or []
    fingerprint = None
    if idempotency_key is not None:
        idempotency.checked_key(idempotency_key)
        fingerprint = idempotency.fingerprint(
            procedure=procedure_code,
            form=form_data,
            receiving=receiving_unit_code,
            authority=authority_unit_code,
            channel=channel,
            applicant=applicant_citizen_id,
            files=[(digest, requirement) for _upload, _type, digest, requirement in accepted],
        )
    # First the version this process saw current a moment ago (no query); the number's upsert confirms it is
    # still current, and when it is not, the request is checked again against the one the database names.
    for read_procedure in (catalog_selectors.last_seen_procedure, catalog_selectors.current_procedure):
        procedure = read_procedure(procedure_code)
        units = gathered(errors, partial(_units_for, procedure, receiving_unit_code, authority_unit_code))
        if units is not None:
            receiving, authority = units
            who = partial(_applicant_and_channel, actor=actor, receiving=receiving, channel=channel)
            found = gathered(errors, partial(who, applicant_citizen_id=applicant_citizen_id))
            if found is not None:
                applicant, channel_used = found
        form = gathered(errors, partial(checked_form, procedure, form_data))
        if errors or form is None:
            raise InvalidInput(validation.summary(errors), errors=errors)
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
        form_data=form,
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
        files=[(dossier, accepted)] if accepted else [],
        now=now,
    )
    return (earlier, False) if earlier else (dossier, True)


def submit_bundle(
    *,
    actor: User,
    bundle_code: str,
    forms: dict[str, dict],
    receiving_unit_code: str | None,
    idempotency_key: str | None = None,
    documents: "Mapping[str, Mapping[int, Sequence[File[Any]]]] | None" = None,
) -> list[Dossier]:
    """One application for interconnected procedures: a linked dossier for each, all or none, every refusal
    reported at once under `{procedure code}.{field}`. A retry with the same idempotency key returns the
    dossiers of the first application. `documents` holds each procedure's required documents by order, as
    in `submit_dossier` (None: they follow by `attach_documents`, and reception checks them)."""
    if not actor.is_citizen:
        raise Forbidden(_("Nhóm thủ tục liên thông do công dân nộp trực tuyến."), code="citizen_online_only")
    if idempotency_key is not None:
        idempotency.checked_key(idempotency_key)
    procedures = catalog_selectors.bundle_procedures(catalog_selectors.bundle_by_code(bundle_code))
    errors: dict[str, list[str]] = {}
    files: list[list[Checked]] = []
    for procedure in procedures:
        own: dict[str, list[str]] = {}
        for field, messages in form_errors(procedure.form_schema, forms.get(procedure.code, {})).items():
            own[field] = messages
        if documents is not None:
            check = partial(validation.checked_documents, procedure, documents.get(procedure.code, {}), [])
            files.append(gathered(own, partial(check, online=True)) or [])
        errors |= {f"{procedure.code}.{field}": messages for field, messages in own.items()}
    found = [
        gathered(errors, partial(_units_for, procedure, receiving_unit_code, None))
        for procedure in procedures
    ]
    units = [pair for pair in found if pair is not None]
    if errors or len(units) != len(procedures):
        raise InvalidInput(validation.summary(errors), errors=errors)
    fingerprint = None
    if idempotency_key is not None:
        digests = [[(digest, order) for _file, _type, digest, order in checked] for checked in files]
        fingerprint = idempotency.fingerprint(
            bundle=bundle_code, forms=forms, receiving=receiving_unit_code, files=digests
        )
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
    stored = [
        (dossier, checked) for (dossier, _event), checked in zip(written, files, strict=False) if checked
    ]
    earlier = _insert_or_earlier(
        rows, actor=actor, key=idempotency_key, fingerprint=fingerprint, now=now, files=stored
    )
    return _group(earlier) if earlier else [dossier for dossier, _event in written]


def _group(lead: Dossier) -> list[Dossier]:
    return list(Dossier.objects.filter(group_code=lead.group_code).order_by("pk"))
