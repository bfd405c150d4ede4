"""One dossier's life, simulated: the row and the events the dossier services would have written, each
service's changes mirrored step by step (tinhso.dossiers.services) with the same working-time functions."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tinhso.core import caching
from tinhso.core.models import Role
from tinhso.dossiers import events
from tinhso.dossiers.lifecycle import LIFECYCLE
from tinhso.dossiers.models import Channel, Rating, Status
from tinhso.dossiers.services import ACKNOWLEDGE_HOURS, event_payload, promised_date
from tinhso.generator import clock

SHARED_RESULT = "generated/ket-qua-giai-quyet-mau.pdf"


@dataclass(frozen=True)
class Unit:
    pk: int
    code: str


@dataclass(frozen=True)
class Step:
    pk: int
    order: int
    role: str
    unit_kind: str
    unit: Unit | None
    hours: Decimal


@dataclass(frozen=True)
class ProcedureInfo:
    pk: int
    code: str
    version: int
    level: str
    sector: str
    full_online: bool
    processing_days: int
    processing_hours: Decimal
    cutoff_time: time | None
    authority: Unit | None
    handling: tuple[Step, ...]
    return_step: Step | None
    schema: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class Rates:
    """How often each turn happens; the defaults give a province near the national averages."""

    refuse: float = 0.025
    supplement_at_reception: float = 0.04
    withdraw_instead_of_supplement: float = 0.12
    late_acknowledgement: float = 0.08
    late_step: float = 0.045
    supplement_in_processing: float = 0.03
    stop: float = 0.008
    apologise_when_late: float = 0.5
    rate_online: float = 0.42
    rate_desk: float = 0.12


RATES = Rates()


INSTANTS = (
    "submitted_at",
    "acknowledge_due_at",
    "accepted_at",
    "promised_at",
    "original_promised_at",
    "finished_at",
    "returned_at",
    "closed_at",
    "step_started_at",
    "step_due_at",
    "overdue_flagged_at",
    "paused_at",
)


@dataclass
class SimulatedDossier:
    """The fields of a Dossier the lifecycle changes, named as on the model so event_payload reads them."""

    code: str
    status: int
    version: int
    channel: int
    receiving_unit: Unit
    authority_unit: Unit
    applicant_id: int
    submitted_at: datetime
    acknowledge_due_at: datetime | None
    accepted_at: datetime | None = None
    promised_at: datetime | None = None
    original_promised_at: datetime | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    closed_at: datetime | None = None
    current_step: Step | None = None
    current_unit: Unit | None = None
    step_started_at: datetime | None = None
    step_due_at: datetime | None = None
    overdue_flagged_at: datetime | None = None
    paused_at: datetime | None = None
    paused_status: int | None = None
    paused_total: timedelta = field(default_factory=timedelta)
    result_file: str = ""
    rating: int | None = None

    @property
    def current_step_id(self) -> int | None:
        return self.current_step.pk if self.current_step else None

    @property
    def current_unit_id(self) -> int | None:
        return self.current_unit.pk if self.current_unit else None

    # While the dossier is at a step (accepted, not yet closed), these are set: read them through these.
    @property
    def step_unit(self) -> Unit:
        assert self.current_unit is not None
        return self.current_unit

    @property
    def step_started(self) -> datetime:
        assert self.step_started_at is not None
        return self.step_started_at

    @property
    def step_due(self) -> datetime:
        assert self.step_due_at is not None
        return self.step_due_at

    @property
    def promised(self) -> datetime:
        assert self.promised_at is not None  # set on acceptance
        return self.promised_at


LifeEvent = tuple[str, int | None, dict[str, Any], datetime]  # action, actor id, payload, occurred at


@dataclass
class Life:
    dossier: SimulatedDossier
    events: list[LifeEvent]


class Officials:
    """The generated official holding a role at a unit (the actor of its events)."""

    def __init__(self, ids: dict[tuple[str, int], int]) -> None:
        self.ids = ids

    def __call__(self, role: str, unit: Unit) -> int:
        return self.ids[(role, unit.pk)]


_PROMISED_BY_DAY = caching.Kept("generator.promised_by_day", max_entries=1_000_000)


def _promised(procedure: ProcedureInfo, accepted_at: datetime) -> datetime:
    """promised_date, memoised: counted in days it reads only the local day and the side of the cut-off."""
    if procedure.processing_hours:
        return _promised_at(procedure, accepted_at)
    local = accepted_at.astimezone(clock.local_zone())
    cutoff = procedure.cutoff_time
    key = (procedure.pk, local.date(), cutoff is not None and local.time() < cutoff)
    return _PROMISED_BY_DAY.get(
        key, lambda: clock.promised_by_days(accepted_at, days=procedure.processing_days, cutoff=cutoff)
    )


@caching.memo("generator.promised_at", maxsize=clock.CACHE_SIZE)
def _promised_at(procedure: ProcedureInfo, accepted_at: datetime) -> datetime:
    return promised_date(procedure, accepted_at)


def forget_promised_dates() -> None:
    """A new run may read another calendar."""
    _PROMISED_BY_DAY.clear()
    _promised_at.cache_clear()


class Lifecycle:
    """Plays one dossier from submission until it ends or `now` comes; every change is one event."""

    dossier: SimulatedDossier  # the one being played, and what happened to it so far
    events: list[LifeEvent]

    def __init__(
        self, *, procedure: ProcedureInfo, officials: Officials, now: datetime, rng: random.Random
    ) -> None:
        self.procedure, self.officials, self.rng = procedure, officials, rng
        # In the zone of the clock's instants: comparing datetimes of one zone skips two offset look-ups.
        self.now = now.astimezone(clock.local_zone())

    # ---- the moves, each mirroring a service ------------------------------------------------------

    def _commit(self, action: str, actor: int | None, before: int, at: datetime, **payload) -> None:
        """Records `action` of the declared lifecycle, which must be allowed from `before`."""
        dossier = self.dossier
        dossier.version += 1
        event = LIFECYCLE.check(action, before).event
        self._record(event, actor, event_payload(dossier, before=before) | payload, at)

    def _record(self, action: str, actor: int | None, payload: dict, at: datetime) -> None:
        """Appends the event; the next service call reads the dossier back from the database, in UTC."""
        self.events.append((action, actor, payload, at))
        fields = self.dossier.__dict__
        for name in INSTANTS:
            value = fields[name]
            if value is not None and value.tzinfo is not UTC:
                fields[name] = value.astimezone(UTC)

    def _step_unit(self, step: Step) -> Unit:
        if step.unit_kind == "receiving":
            return self.dossier.receiving_unit
        if step.unit_kind == "authority":
            return self.dossier.authority_unit
        assert step.unit is not None  # a step of a fixed unit names it
        return step.unit

    def _enter_step(self, step: Step | None, at: datetime) -> None:
        dossier = self.dossier
        dossier.current_step = step
        dossier.current_unit = self._step_unit(step) if step else None
        dossier.step_started_at = at if step else None
        dossier.step_due_at = clock.add_hours(at, step.hours) if step else None
        dossier.overdue_flagged_at = None

    def _flag_if_overdue(self, due: datetime | None, role: str, unit: Unit, until: datetime) -> None:
        """The periodic job flags a reception or step still open past its due time, once."""
        dossier = self.dossier
        if due is None or dossier.overdue_flagged_at is not None:
            return
        limit = min(until, self.now)
        if due >= limit:  # the job flags after `due`, so not by `limit` either
            return
        flagged_at = clock.first_flag_after(due)
        if flagged_at > limit:
            return
        dossier.overdue_flagged_at = flagged_at
        payload = {
            "code": dossier.code,
            "status": dossier.status,
            "step": dossier.current_step.order if dossier.current_step else None,
            "unit": unit.code,
            "due_at": clock.iso_text(due),
            "notify": [self.officials(role, unit)],
        }
        self._record(events.OVERDUE, None, payload, flagged_at)

    def _receptionist(self) -> int:
        return self.officials(Role.RECEPTIONIST, self.dossier.receiving_unit)

    def _step_actor(self) -> int:
        dossier = self.dossier
        assert dossier.current_step is not None
        return self.officials(dossier.current_step.role, dossier.step_unit)

    def _pause(self, at: datetime, actor: int) -> None:
        dossier = self.dossier
        before = dossier.status
        dossier.paused_status, dossier.paused_at, dossier.status = before, at, Status.SUPPLEMENT
        reason = self.rng.choice(SUPPLEMENT_REASONS)
        self._commit("request_supplement", actor, before, at, reason=reason)

    def _resume(self, at: datetime) -> None:
        dossier = self.dossier
        assert dossier.paused_at is not None and dossier.paused_status is not None
        paused = clock.working_time_between(dossier.paused_at, at)
        dossier.status = dossier.paused_status
        if dossier.status == Status.NEW:
            if dossier.channel == Channel.ONLINE:
                dossier.acknowledge_due_at = clock.add_hours(at, ACKNOWLEDGE_HOURS)
                dossier.overdue_flagged_at = None
        elif paused > timedelta():
            hours = paused.total_seconds() / 3600
            assert dossier.original_promised_at is not None
            dossier.paused_total += paused
            dossier.promised_at = clock.add_hours(dossier.promised, hours)
            dossier.original_promised_at = clock.add_hours(dossier.original_promised_at, hours)
            dossier.step_due_at = clock.add_hours(dossier.step_due, hours)
        dossier.paused_at = dossier.paused_status = None
        self._commit(
            "answer_supplement",
            dossier.applicant_id,
            Status.SUPPLEMENT,
            at,
            paused_hours=round(paused.total_seconds() / 3600, 2),
            promised_at=dossier.promised_at.isoformat() if dossier.promised_at else None,
            note="",
            files=[],
        )

    def _close(self, action: str, status: int, at: datetime, actor: int, **payload) -> None:
        dossier = self.dossier
        before = dossier.status
        dossier.status, dossier.closed_at = status, at
        if action in ("withdraw", "stop"):
            dossier.paused_at = dossier.paused_status = None
        if action == "stop":
            dossier.step_due_at = None
        else:
            self._enter_step(None, at)
        self._commit(action, actor, before, at, **payload)

    # ---- the story ---------------------------------------------------------------------------------

    def play(self, dossier: SimulatedDossier, submitter: int) -> Life:
        self.dossier, self.events = dossier, []
        self._submitted(submitter)
        if self._reception() and self._processing():
            self._return()
        return Life(dossier, self.events)

    def _submitted(self, submitter: int) -> None:
        dossier, procedure = self.dossier, self.procedure
        payload = {
            "code": dossier.code,
            "status": Status.NEW,
            "version": dossier.version,
            "procedure": procedure.code,
            "procedure_version": procedure.version,
            "channel": dossier.channel,
            "receiving_unit": dossier.receiving_unit.code,
            "acknowledge_due_at": dossier.acknowledge_due_at.isoformat()
            if dossier.acknowledge_due_at
            else None,
        }
        self._record(events.SUBMITTED, submitter, payload, dossier.submitted_at)

    def _reception_delay(self, since: datetime) -> datetime:
        rng, channel = self.rng, self.dossier.channel
        if channel == Channel.IN_PERSON:
            minutes = rng.randint(3, 25)
        elif channel == Channel.POSTAL:
            minutes = rng.randint(30, 480)
        elif rng.random() < RATES.late_acknowledgement:
            minutes = rng.randint(490, 1500)
        else:
            minutes = rng.randint(5, 460)
        return clock.add_minutes(since, minutes)

    def _reception(self) -> bool:
        """Reception acts: refuse, ask a supplement first, or accept. False when the story ends here."""
        dossier, rng = self.dossier, self.rng
        acts_at = self._reception_delay(dossier.submitted_at)
        self._flag_if_overdue(dossier.acknowledge_due_at, Role.RECEPTIONIST, dossier.receiving_unit, acts_at)
        if acts_at > self.now:
            return False
        roll = rng.random()
        if roll < RATES.refuse:
            reason = rng.choice(REFUSAL_REASONS)
            self._close("refuse", Status.REFUSED, acts_at, self._receptionist(), reason=reason)
            return False
        if roll < RATES.refuse + RATES.supplement_at_reception:
            self._pause(acts_at, self._receptionist())
            answered_at = clock.add_minutes(acts_at, rng.randint(60, 2400))
            if answered_at > self.now:
                return False
            if rng.random() < RATES.withdraw_instead_of_supplement:
                self._close("withdraw", Status.WITHDRAWN, answered_at, dossier.applicant_id, reason="")
                return False
            self._resume(answered_at)
            acts_at = self._reception_delay(answered_at)
            self._flag_if_overdue(
                dossier.acknowledge_due_at, Role.RECEPTIONIST, dossier.receiving_unit, acts_at
            )
            if acts_at > self.now:
                return False
        self._accept(acts_at)
        return True

    def _accept(self, at: datetime) -> None:
        dossier = self.dossier
        dossier.status, dossier.accepted_at = Status.ACCEPTED, at
        dossier.promised_at = dossier.original_promised_at = _promised(self.procedure, at)
        self._enter_step(self.procedure.handling[0], at)
        in_time = dossier.acknowledge_due_at is None or at <= dossier.acknowledge_due_at
        actor = self._receptionist()
        self._commit(
            "accept",
            actor,
            Status.NEW,
            at,
            promised_at=dossier.promised_at.isoformat(),
            acknowledged_in_time=in_time,
        )

    def _handling_minutes(self, step: Step) -> int:
        allotted = float(step.hours) * 60
        late = self.rng.random() < RATES.late_step
        share = self.rng.uniform(1.05, 2.4) if late else self.rng.betavariate(2, 4) * 0.95
        return max(5, int(allotted * share))

    def _processing(self) -> bool:
        """Each handling step acts in turn; the last records the result. False when the story ends."""
        dossier, rng, procedure = self.dossier, self.rng, self.procedure
        for index, step in enumerate(procedure.handling):
            minutes = self._handling_minutes(step)
            started = dossier.step_started
            if step.role == Role.SPECIALIST and rng.random() < RATES.supplement_in_processing:
                asked_at = clock.add_minutes(started, max(1, minutes // 3))
                if asked_at > self.now:
                    self._flag_if_overdue(dossier.step_due_at, step.role, dossier.step_unit, self.now)
                    return False
                self._pause(asked_at, self._step_actor())
                answered_at = clock.add_minutes(asked_at, rng.randint(240, 2400))
                if answered_at > self.now:
                    return False
                self._resume(answered_at)
                started, minutes = answered_at, minutes - minutes // 3
            acts_at = clock.add_minutes(started, minutes)
            self._flag_if_overdue(dossier.step_due_at, step.role, dossier.step_unit, acts_at)
            if acts_at > self.now:
                return False
            if step.role == Role.SPECIALIST and rng.random() < RATES.stop:
                self._close(
                    "stop", Status.STOPPED, acts_at, self._step_actor(), reason=rng.choice(STOP_REASONS)
                )
                return False
            if index + 1 < len(procedure.handling):
                self._forward(procedure.handling[index + 1], acts_at)
                continue
            if acts_at > dossier.promised and rng.random() < RATES.apologise_when_late:
                self._apologise(max(started, acts_at - timedelta(minutes=30)))
            self._finish(acts_at)
        return True

    def _forward(self, following: Step, at: datetime) -> None:
        dossier = self.dossier
        on_time, before, actor = at <= dossier.step_due, dossier.status, self._step_actor()
        dossier.status = Status.PROCESSING
        self._enter_step(following, at)
        self._commit("forward", actor, before, at, on_time=on_time, note="")

    def _apologise(self, at: datetime) -> None:
        dossier = self.dossier
        previous = dossier.promised
        dossier.promised_at = clock.add_days(previous, self.rng.randint(2, 5))
        self._commit(
            "apologize",
            self.officials(Role.UNIT_LEADER, dossier.authority_unit),
            dossier.status,
            at,
            reason=self.rng.choice(APOLOGY_REASONS),
            previous_promised_at=previous.isoformat(),
            promised_at=dossier.promised.isoformat(),
            sent_a_day_ahead=clock.add_days(at, 1) <= previous,
        )

    def _finish(self, at: datetime) -> None:
        dossier = self.dossier
        on_time, before, actor = at <= dossier.step_due, dossier.status, self._step_actor()
        dossier.status, dossier.finished_at = Status.FINISHED, at
        dossier.result_file = SHARED_RESULT
        self._enter_step(self.procedure.return_step, at)
        self._commit(
            "finish",
            actor,
            before,
            at,
            on_time=on_time,
            late=dossier.original_promised_at is not None and at > dossier.original_promised_at,
        )

    def _return(self) -> None:
        dossier, rng = self.dossier, self.rng
        step = self.procedure.return_step
        if step is None:
            return
        returned_at = clock.add_minutes(dossier.step_started, self._handling_minutes(step))
        self._flag_if_overdue(dossier.step_due_at, step.role, dossier.step_unit, returned_at)
        if returned_at > self.now:
            return
        dossier.status, dossier.returned_at = Status.RETURNED, returned_at
        self._enter_step(None, returned_at)
        self._commit("return_result", self._receptionist(), Status.FINISHED, returned_at)
        chance = RATES.rate_online if dossier.channel == Channel.ONLINE else RATES.rate_desk
        rated_at = returned_at + timedelta(minutes=rng.randint(10, 4320))
        if rng.random() < chance and rated_at <= self.now:
            dossier.rating = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
            self._commit("rate", dossier.applicant_id, Status.RETURNED, rated_at, rating=dossier.rating)


RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.UNSATISFIED)
RATING_WEIGHTS = (62, 33, 5)
SUPPLEMENT_REASONS = (
    "Bổ sung bản sao Giấy chứng nhận quyền sử dụng đất có chứng thực.",
    "Tờ khai còn thiếu chữ ký của người yêu cầu.",
    "Bổ sung giấy tờ chứng minh quan hệ nhân thân.",
    "Ảnh chụp giấy tờ bị mờ, đề nghị chụp lại rõ nét.",
)
REFUSAL_REASONS = (
    "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan.",
    "Người nộp không phải là người có yêu cầu và không có văn bản ủy quyền.",
)
STOP_REASONS = ("Người yêu cầu có văn bản đề nghị dừng giải quyết.", "Hồ sơ có dấu hiệu giả mạo giấy tờ.")
APOLOGY_REASONS = (
    "Cần thêm thời gian xác minh thông tin tại địa phương.",
    "Chờ ý kiến phối hợp của cơ quan liên quan.",
)
