"""Every write of a dossier's lifecycle after submission (submission and numbering are in `submission`). Each
function locks the dossier, checks the caller's `version`, then the transition against the declared table
(`dossiers.lifecycle`: from which status, by whom), then records it with the table's event."""

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.core.files.base import File
from django.db import transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import ProcessStep
from tinhso.core import files as core_files
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, InvalidInput, NotFound, required_text, text
from tinhso.core.lifecycle import Transition
from tinhso.core.models import Domain, Role, User
from tinhso.core.money import checked_amount
from tinhso.core.services import next_event, record_event
from tinhso.core.sql import insert_new, saved_with_head
from tinhso.core.working_time import add_working_time, is_working_day, working_time_between
from tinhso.dossiers import events, selectors, sql, validation
from tinhso.dossiers.lifecycle import BEFORE_RESULT, LIFECYCLE
from tinhso.dossiers.models import Channel, Dossier, Rating, Status
from tinhso.dossiers.submission import (
    ACKNOWLEDGE_HOURS,
    checked_form,
    store_files,
    submit_bundle,
    submit_dossier,
)
from tinhso.dossiers.validation import checked_attachments

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Submission lives in its own module; callers keep reaching every dossier write through `services`.
__all__ = ["ACKNOWLEDGE_HOURS", "BEFORE_RESULT", "submit_bundle", "submit_dossier"]

MAX_RESULT_BYTES = 20 * 1024 * 1024


# ---- helpers ---------------------------------------------------------------------------------------


def _state(dossier: Dossier) -> dict[str, Any]:
    """The current state a refused writer is shown, so it can reload and decide again."""
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "version": dossier.version,
        "current_step": step.order if (step := dossier.current_step) else None,
        "current_unit": unit.code if (unit := dossier.current_unit) else None,
    }


def _locked(*, actor: User, code: str, version: int) -> Dossier:
    """The dossier, row-locked for this transaction, if the actor may see it and `version` is current."""
    if not selectors.visible_dossiers(actor).filter(code=code).exists():
        raise NotFound(
            text(_("Không tìm thấy hồ sơ “%(code)s”."), {"code": code}), code="dossier_not_found", value=code
        )
    dossier = Dossier.objects.select_for_update().get(code=code)
    if dossier.version != version:
        raise Conflict(
            _("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thực hiện lại."),
            code="stale_version",
            current=_state(dossier),
        )
    return dossier


def _allowed(actor: User, dossier: Dossier, action: str) -> Transition:
    """The table's row for `action` from the dossier's status, if the actor is one of its parties."""
    row = LIFECYCLE.check(action, dossier.status, current=_state(dossier))
    LIFECYCLE.authorize(row, lambda party: selectors.is_party(actor, dossier, party))
    return row


def _not_allowed(dossier: Dossier, message: "StrOrPromise") -> Conflict:
    return Conflict(message, code="transition_not_allowed", current=_state(dossier))


def _require_no_consultation(dossier: Dossier) -> None:
    if unit := dossier.consulted_unit:
        raise Conflict(
            text(_("Hồ sơ đang chờ ý kiến của %(unit)s."), {"unit": unit.name}),
            code="awaiting_consultation",
            current=_state(dossier),
        )


def _step_due(dossier: Dossier) -> datetime:
    """When the current step is due; a handling dossier is always at a step with a due time."""
    assert dossier.step_due_at is not None
    return dossier.step_due_at


def _hours(amount: timedelta) -> float:
    return amount.total_seconds() / 3600


def _enter_step(
    dossier: Dossier, step: ProcessStep | None, now: datetime, assignee: User | None = None
) -> None:
    dossier.current_step = step
    dossier.current_unit = selectors.step_unit(dossier, step) if step else None
    dossier.step_started_at = now if step else None
    dossier.step_due_at = add_working_time(now, hours=step.hours) if step else None
    dossier.overdue_flagged_at = None
    dossier.assignee = assignee


def _commit(
    dossier: Dossier,
    row: Transition,
    *,
    actor: User | None,
    before: int,
    locked: bool = False,
    changing: Sequence[str] | None = None,
    with_rows: Sequence[Model] = (),
    saving: tuple[Model, Sequence[str]] | None = None,
    **payload: Any,
) -> Dossier:
    """Saves the change with the next version and appends the transition's event, in the caller's transaction
    (`locked`: the caller holds the dossier's row lock, see record_event). `changing`: the caller holds the row
    lock and changed only these fields; they are saved by a statement returning the chain's head, which the
    event follows (core.sql.saved_with_head), inserted in one statement after `with_rows`, with `saving`
    (core.sql.insert_new)."""
    dossier.version += 1
    if changing is not None:
        head = saved_with_head(dossier, changing=changing)
        payload = event_payload(dossier, before=before) | payload
        insert_new(
            *with_rows, next_event(head, action=row.event, actor=actor, payload=payload), saving=saving
        )
        return dossier
    assert not with_rows and not saving, "rows ride only with a change saved by saved_with_head"
    dossier.save()
    record_event(
        subject=dossier,
        action=row.event,
        actor=actor,
        payload=event_payload(dossier, before=before) | payload,
        locked=locked,
    )
    return dossier


class _Ordered(Protocol):
    @property
    def order(self) -> int: ...


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


class DossierState(Protocol):
    """What an event's payload reads of a dossier: a Dossier, or the data generator's simulated one."""

    @property
    def code(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def current_step(self) -> _Ordered | None: ...
    @property
    def current_unit(self) -> _Coded | None: ...
    @property
    def step_due_at(self) -> datetime | None: ...


class Deadlines(Protocol):
    """What the legal return date reads of a procedure: a Procedure, or the data generator's copy."""

    @property
    def processing_days(self) -> int: ...
    @property
    def processing_hours(self) -> Decimal: ...
    @property
    def cutoff_time(self) -> time | None: ...


def event_payload(dossier: DossierState, *, before: int) -> dict[str, Any]:
    """What every lifecycle event says of the dossier after the change (the data generator writes it too)."""
    return {
        "code": dossier.code,
        "from": before,
        "status": dossier.status,
        "version": dossier.version,
        "step": step.order if (step := dossier.current_step) else None,
        "unit": unit.code if (unit := dossier.current_unit) else None,
        "step_due_at": dossier.step_due_at.isoformat() if dossier.step_due_at else None,
    }


def promised_date(procedure: Deadlines, accepted_at: datetime) -> datetime:
    """The legal return date of a dossier accepted at `accepted_at`."""
    if procedure.processing_hours:
        return add_working_time(accepted_at, hours=procedure.processing_hours)
    local = timezone.localtime(accepted_at)
    start = accepted_at
    if procedure.cutoff_time and is_working_day(local.date()) and local.time() < procedure.cutoff_time:
        # Accepted before the cut-off, the day of acceptance is the first day counted (“trong ngày”).
        start = accepted_at - timedelta(days=1)
    return add_working_time(start, days=procedure.processing_days)


# ---- reception -------------------------------------------------------------------------------------


@transaction.atomic
def accept(*, actor: User, code: str, version: int) -> Dossier:
    """Reception accepts the dossier (form 1): the legal clock starts and the promised date is set."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "accept")
    answered = set(dossier.documents.exclude(requirement=None).values_list("requirement", flat=True))
    missing = validation.missing_documents(dossier.procedure, answered)
    if dossier.channel == Channel.ONLINE and missing:
        message = text(
            _("Hồ sơ còn thiếu: %(names)s. Hãy yêu cầu bổ sung thay vì tiếp nhận."),
            {"names": "; ".join(missing)},
        )
        raise Conflict(message, code="documents_missing", current=_state(dossier))
    now = timezone.now()
    dossier.status = Status.ACCEPTED
    dossier.accepted_at = now
    dossier.promised_at = dossier.original_promised_at = promised_date(dossier.procedure, now)
    _enter_step(dossier, selectors.steps_of(dossier)[0], now)
    acknowledged_in_time = dossier.acknowledge_due_at is None or now <= dossier.acknowledge_due_at
    return _commit(
        dossier,
        row,
        actor=actor,
        before=Status.NEW,
        promised_at=dossier.promised_at.isoformat(),
        acknowledged_in_time=acknowledged_in_time,
    )


@transaction.atomic
def accept_and_forward(
    *, actor: User, code: str, version: int, note: str = "", assignee_id: int | None = None
) -> Dossier:
    """Accepts the dossier and passes it on from the reception step at once, all or nothing: two events,
    as if the desk had done one after the other."""
    accepted = accept(actor=actor, code=code, version=version)
    return forward(actor=actor, code=code, version=accepted.version, note=note, assignee_id=assignee_id)


@transaction.atomic
def refuse(*, actor: User, code: str, version: int, reason: str) -> Dossier:
    """Reception refuses the dossier with reasons (form 3)."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "refuse")
    reason = required_text(reason, "reason", _("Cần nêu rõ lý do từ chối tiếp nhận."))
    dossier.status = Status.REFUSED
    dossier.closed_at = timezone.now()
    _enter_step(dossier, None, dossier.closed_at)
    return _commit(dossier, row, actor=actor, before=Status.NEW, reason=reason)


@transaction.atomic
def request_supplement(*, actor: User, code: str, version: int, reason: str) -> Dossier:
    """Asks the applicant to supplement (form 2); the clock stops until they answer."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "request_supplement")
    reason = required_text(reason, "reason", _("Cần nêu rõ giấy tờ, thông tin phải bổ sung."))
    before = dossier.status
    dossier.paused_status = before
    dossier.paused_at = timezone.now()
    dossier.status = Status.SUPPLEMENT
    return _commit(dossier, row, actor=actor, before=before, reason=reason)


def _resume(dossier: Dossier, now: datetime) -> timedelta:
    """Ends a pause (supplement or payment): every deadline moves by the office time paused."""
    # A pause (supplement, payment) always records when it began and the status it left.
    assert dossier.paused_at is not None and dossier.paused_status is not None
    paused = working_time_between(dossier.paused_at, now)
    dossier.status = dossier.paused_status
    if dossier.status == Status.NEW:
        # Not yet accepted: the reception's acknowledgement clock starts over.
        if dossier.channel == Channel.ONLINE:
            dossier.acknowledge_due_at = add_working_time(now, hours=ACKNOWLEDGE_HOURS)
            dossier.overdue_flagged_at = None
    elif paused > timedelta():
        # Paused while handled (the lifecycle pauses only from NEW or a handling status): every clock is set.
        assert dossier.promised_at and dossier.original_promised_at and dossier.step_due_at
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
    attachments: "Sequence[File[Any]] | None" = None,
) -> Dossier:
    """The applicant answers: the clock resumes and every deadline moves by the office time paused."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "answer_supplement")
    accepted = checked_attachments(attachments or [], already=dossier.documents.count())
    if form_data is not None:
        dossier.form_data = checked_form(dossier.procedure, form_data)
    now = timezone.now()
    files = store_files(dossier, accepted, now)
    paused = _resume(dossier, now)
    return _commit(
        dossier,
        row,
        actor=actor,
        before=Status.SUPPLEMENT,
        paused_hours=round(_hours(paused), 2),
        promised_at=dossier.promised_at.isoformat() if dossier.promised_at else None,
        note=note.strip(),
        files=files,
    )


@core_files.removed_on_failure()
@transaction.atomic
def attach_documents(
    *,
    actor: User,
    code: str,
    version: int,
    attachments: "Sequence[File[Any]]",
    requirement: int | None = None,
) -> Dossier:
    """The applicant adds files while the dossier waits for reception or for a supplement; `requirement`
    names the required document (by its order) the files are."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "attach_documents")
    if requirement is not None and not dossier.procedure.documents.filter(order=requirement).exists():
        message = text(_("Thủ tục không có giấy tờ số %(order)s."), {"order": requirement})
        raise InvalidInput(message, errors={"requirement": [message]})
    accepted = checked_attachments(attachments, already=dossier.documents.count(), requirement=requirement)
    if not accepted:
        message = _("Cần chọn ít nhất một tệp.")
        raise InvalidInput(message, errors={"attachments": [message]})
    files = store_files(dossier, accepted, timezone.now())
    return _commit(dossier, row, actor=actor, before=dossier.status, files=files)


# ---- processing ------------------------------------------------------------------------------------


def _assignee(dossier: Dossier, assignee_id: int | None) -> User | None:
    """The official named to handle the next step: one who holds its role over its unit."""
    if assignee_id is None:
        return None
    named = next((user for user in selectors.step_assignees(dossier=dossier) if user.pk == assignee_id), None)
    if named is None:
        message = _("Người được chọn không giữ vai trò của bước tiếp theo tại đơn vị của bước.")
        raise InvalidInput(message, errors={"assignee": [message]})
    return named


@transaction.atomic
def forward(
    *, actor: User, code: str, version: int, note: str = "", assignee_id: int | None = None
) -> Dossier:
    """Hands the dossier to the next step of the internal process, to a named official of that step if
    given (form 6 records on time or late)."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "forward")
    _require_no_consultation(dossier)
    following = selectors.next_step(dossier, selectors.steps_of(dossier))
    if following is None:
        raise _not_allowed(
            dossier, _("Đây là bước xử lý cuối: hãy ghi kết quả giải quyết thay vì chuyển bước.")
        )
    assignee = _assignee(dossier, assignee_id)
    now = timezone.now()
    on_time = now <= _step_due(dossier)
    before = dossier.status
    dossier.status = Status.PROCESSING
    _enter_step(dossier, following, now, assignee)
    named: dict[str, Any] = {"assignee": assignee.pk} if assignee else {}
    return _commit(dossier, row, actor=actor, before=before, on_time=on_time, note=note.strip(), **named)


@transaction.atomic
def send_back(*, actor: User, code: str, version: int, reason: str, to_step: int | None = None) -> Dossier:
    """Returns the dossier to an earlier step (the previous one unless told), with the reason."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "send_back")
    reason = required_text(reason, "reason", _("Cần nêu lý do chuyển lại."))
    assert dossier.current_step is not None  # a dossier in processing is always at a step
    current = dossier.current_step.order
    target_order = current - 1 if to_step is None else to_step
    target = next((step for step in selectors.steps_of(dossier) if step.order == target_order), None)
    if target is None or target_order >= current:
        message = _("Chỉ chuyển lại được về một bước trước bước hiện tại.")
        raise InvalidInput(message, errors={"to_step": [message]})
    _enter_step(dossier, target, timezone.now())
    return _commit(dossier, row, actor=actor, before=Status.PROCESSING, reason=reason)


@transaction.atomic
def apologize(*, actor: User, code: str, version: int, new_promised_at: datetime, reason: str) -> Dossier:
    """Apology and a new date (form 4); the dossier still counts as late against its first promise."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "apologize")
    reason = required_text(reason, "reason", _("Cần nêu lý do chậm trả kết quả."))
    assert dossier.promised_at is not None  # set on acceptance, before any handling
    if new_promised_at <= dossier.promised_at:
        message = _("Ngày hẹn mới phải sau ngày hẹn hiện tại.")
        raise InvalidInput(message, errors={"new_promised_at": [message]})
    now = timezone.now()
    one_day = add_working_time(now, days=1)
    previous = dossier.promised_at
    dossier.promised_at = new_promised_at
    return _commit(
        dossier,
        row,
        actor=actor,
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
    row = _allowed(actor, dossier, "stop")
    reason = required_text(reason, "reason", _("Cần nêu lý do dừng xử lý."))
    before = dossier.status
    dossier.status = Status.STOPPED
    dossier.closed_at = timezone.now()
    dossier.paused_at = dossier.paused_status = None
    dossier.consulted_unit = dossier.consult_due_at = None
    dossier.step_due_at = None
    return _commit(dossier, row, actor=actor, before=before, reason=reason)


def _checked_result(result_file: "File[Any] | None") -> "File[Any]":
    if result_file is None:
        raise _result_refused(_("Cần đính kèm tệp kết quả giải quyết (PDF)."))
    if result_file.size > MAX_RESULT_BYTES:
        raise _result_refused(_("Tệp kết quả không được lớn hơn 20 MB."))
    result_file.seek(0)
    is_pdf = result_file.read(5) == b"%PDF-"
    result_file.seek(0)
    if not is_pdf:
        raise _result_refused(_("Tệp kết quả phải là tệp PDF."))
    return result_file


def _result_refused(message: "StrOrPromise") -> InvalidInput:
    return InvalidInput(message, errors={"result_file": [message]})


@core_files.removed_on_failure()
@transaction.atomic
def finish(
    *, actor: User, code: str, version: int, result_file: "File[Any] | None", note: str = ""
) -> Dossier:
    """Records the result at the last handling step; the dossier goes to the desk to be returned."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "finish")
    _require_no_consultation(dossier)
    steps = selectors.steps_of(dossier)
    if dossier.current_step != selectors.last_handling_step(steps):
        raise _not_allowed(dossier, _("Chỉ ghi kết quả ở bước xử lý cuối cùng của quy trình."))
    note = _column_text(note, field="result_note", name="note")
    result_file = _checked_result(result_file)
    now = timezone.now()
    on_time = now <= _step_due(dossier)
    before = dossier.status
    dossier.status = Status.FINISHED
    dossier.finished_at = now
    dossier.result_note = note
    dossier.result_file.save(f"{dossier.code}.pdf", result_file, save=False)
    core_files.written(dossier.result_file)
    _enter_step(dossier, selectors.return_step(steps), now)
    return _commit(dossier, row, actor=actor, before=before, on_time=on_time, late=dossier.is_late)


@transaction.atomic
def return_result(*, actor: User, code: str, version: int) -> Dossier:
    """The desk hands the result to the applicant (or sends it online / by post)."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "return_result")
    now = timezone.now()
    dossier.status = Status.RETURNED
    dossier.returned_at = now
    _enter_step(dossier, None, now)
    return _commit(dossier, row, actor=actor, before=Status.FINISHED)


@transaction.atomic
def consult(*, actor: User, code: str, version: int, unit_code: str, question: str, days: int = 3) -> Dossier:
    """Asks another agency's opinion (liên thông); the dossier waits at its step until the answer."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "consult")
    _require_no_consultation(dossier)
    question = required_text(question, "question", _("Cần nêu nội dung xin ý kiến."))
    unit = core_selectors.unit_by_code(unit_code)
    if not unit.agency_code or unit.pk == dossier.current_unit_id:
        message = _("Chọn một cơ quan khác có tiếp nhận, giải quyết hồ sơ.")
        raise InvalidInput(message, errors={"unit_code": [message]})
    if not 1 <= days <= 30:
        raise InvalidInput(_("Thời hạn trả lời từ 1 đến 30 ngày làm việc."), errors={"days": ["1–30"]})
    dossier.consulted_unit = unit
    dossier.consult_due_at = add_working_time(timezone.now(), days=days)
    return _commit(
        dossier,
        row,
        actor=actor,
        before=Status.PROCESSING,
        consulted_unit=unit.code,
        question=question,
        consult_due_at=dossier.consult_due_at.isoformat(),
    )


@transaction.atomic
def answer_consultation(*, actor: User, code: str, version: int, answer: str) -> Dossier:
    """The consulted agency answers; the dossier's handler may go on."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = LIFECYCLE.check("answer_consultation", dossier.status, current=_state(dossier))
    if not dossier.consulted_unit_id:
        raise _not_allowed(dossier, _("Hồ sơ không chờ ý kiến nào."))
    LIFECYCLE.authorize(row, lambda party: selectors.is_party(actor, dossier, party))
    answer = required_text(answer, "answer", _("Cần nêu ý kiến trả lời."))
    unit, due = dossier.consulted_unit, dossier.consult_due_at
    assert unit is not None and due is not None  # a consultation names its unit and its due date together
    dossier.consulted_unit = dossier.consult_due_at = None
    return _commit(
        dossier,
        row,
        actor=actor,
        before=Status.PROCESSING,
        consulted_unit=unit.code,
        answer=answer,
        on_time=timezone.now() <= due,
    )


@transaction.atomic
def request_payment(*, actor: User, code: str, version: int, amount: int, note: str = "") -> Dossier:
    """Asks the applicant to pay fees or taxes before the result; the time waiting is not counted."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "request_payment")
    checked_amount(amount, field="amount")
    before = dossier.status
    dossier.paused_status = before
    dossier.paused_at = timezone.now()
    dossier.status = Status.PAYMENT
    return _commit(dossier, row, actor=actor, before=before, amount=amount, note=note.strip())


@transaction.atomic
def confirm_payment(*, actor: User, code: str, version: int, receipt: str) -> Dossier:
    """Records the payment (receipt or transaction number); the clock resumes where it stopped."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "confirm_payment")
    receipt = required_text(receipt, "receipt", _("Cần ghi số biên lai hoặc mã giao dịch."))
    return _paid(dossier, row, actor=actor, receipt=receipt, method="counter")


# No savepoint: inside the gateway notice's transaction, a failure here fails the whole notice anyway.
@transaction.atomic(savepoint=False)
def confirm_online_payment(
    *,
    code: str,
    reference: str,
    with_rows: Sequence[Model] = (),
    saving: tuple[Model, Sequence[str]] | None = None,
) -> Dossier:
    """A verified gateway notice paid what status 6 asked for: the clock resumes at once, with no official
    (unchanged when the desk recorded a payment first). Lean, as the notice waits for it: the dossier's row
    locked with the step and unit its event names read in the same statement, its change returning the head of
    its chain, the event with no savepoint, inserted in one statement with `with_rows` (the order's event and
    the notice) and `saving` (the order's change, see core.sql.insert_new); each statement built once per
    process (dossiers.sql)."""
    dossier = sql.locked_for_payment(code)
    if dossier.status != Status.PAYMENT:
        if with_rows or saving:
            insert_new(*with_rows, saving=saving)
        return dossier
    row = LIFECYCLE.check("confirm_payment", dossier.status, current=_state(dossier))
    return _paid(
        dossier,
        row,
        actor=None,
        receipt=reference,
        method="online",
        changing=sql.RESUMED_FIELDS,
        with_rows=with_rows,
        saving=saving,
    )


def _paid(
    dossier: Dossier,
    row: Transition,
    *,
    actor: User | None,
    receipt: str,
    method: str,
    changing: Sequence[str] | None = None,
    with_rows: Sequence[Model] = (),
    saving: tuple[Model, Sequence[str]] | None = None,
) -> Dossier:
    """Status 6 ends: the clock resumes and the payment is recorded with how it was made."""
    paused = _resume(dossier, timezone.now())
    return _commit(
        dossier,
        row,
        actor=actor,
        before=Status.PAYMENT,
        changing=changing,
        with_rows=with_rows,
        saving=saving,
        receipt=receipt,
        paused_hours=round(_hours(paused), 2),
        method=method,
    )


# ---- applicant -------------------------------------------------------------------------------------


@transaction.atomic
def withdraw(*, actor: User, code: str, version: int, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier, at any time before the result is ready."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "withdraw")
    before = dossier.status
    dossier.status = Status.WITHDRAWN
    dossier.closed_at = timezone.now()
    dossier.paused_at = dossier.paused_status = None
    dossier.consulted_unit = dossier.consult_due_at = None
    _enter_step(dossier, None, dossier.closed_at)
    return _commit(dossier, row, actor=actor, before=before, reason=reason.strip())


@transaction.atomic
def rate(*, actor: User, code: str, version: int, rating: int, comment: str = "") -> Dossier:
    """The applicant rates the service once the result is returned, once."""
    dossier = _locked(actor=actor, code=code, version=version)
    row = _allowed(actor, dossier, "rate")
    if dossier.rating is not None:
        raise Conflict(_("Hồ sơ này đã được đánh giá."), code="already_rated", current=_state(dossier))
    if rating not in Rating.values:
        message = _("Mức đánh giá phải là 1 (không hài lòng), 2 (hài lòng) hoặc 3 (rất hài lòng).")
        raise InvalidInput(message, errors={"rating": [message]})
    dossier.rating = rating
    dossier.rating_comment = _column_text(comment, field="rating_comment", name="comment")
    return _commit(dossier, row, actor=actor, before=Status.RETURNED, rating=rating)


def _column_text(value: str, *, field: str, name: str) -> str:
    """`value` stripped, refused (naming the input `name`) when longer than the dossier's column `field`."""
    stripped = value.strip()
    column = Dossier._meta.get_field(field)
    limit = column.max_length if isinstance(column, Field) else None
    if limit is not None and len(stripped) > limit:
        message = text(_("Dài tối đa %(limit)s ký tự."), {"limit": limit})
        raise InvalidInput(message, errors={name: [message]})
    return stripped


# ---- clocks ----------------------------------------------------------------------------------------


@transaction.atomic
def _flag_overdue(*, pk: int, now: datetime) -> bool:
    dossier = Dossier.objects.select_for_update().get(pk=pk)
    if dossier.status == Status.NEW:
        due, role, unit = dossier.acknowledge_due_at, Role.RECEPTIONIST, dossier.receiving_unit
    elif (
        dossier.status in selectors.OPEN_STATUSES and (step := dossier.current_step) and dossier.current_unit
    ):
        due, role, unit = dossier.step_due_at, Role(step.role), dossier.current_unit
    else:
        return False
    if dossier.overdue_flagged_at is not None or due is None or due >= now:
        return False  # handled or flagged meanwhile
    # A flag of the clock, not a change of state: the version stays, so officials' open pages stay valid.
    dossier.overdue_flagged_at = now
    dossier.save(update_fields=["overdue_flagged_at"])
    record_event(
        subject=dossier,
        action=events.OVERDUE,
        actor=None,
        payload={
            "code": dossier.code,
            "status": dossier.status,
            "step": step.order if (step := dossier.current_step) else None,
            "unit": unit.code,
            "due_at": due.isoformat(),
            "notify": core_selectors.role_holders(role, unit, domain=Domain.DOSSIERS),
        },
    )
    return True


def flag_overdue_dossiers(*, now: datetime | None = None) -> int:
    """Flags each dossier whose reception or current step is past due, once per step, naming its handlers
    for notification; one transaction per dossier, so one busy dossier never holds up the others."""
    now = now or timezone.now()
    return sum(_flag_overdue(pk=pk, now=now) for pk in selectors.overdue_dossier_ids(now=now))
