"""One field report's life, simulated: the row and the events tinhso.fieldreports.services would write, each
move a transition of the declared lifecycle (tinhso.fieldreports.lifecycle) with its status and event."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tinhso.core.lifecycle import UNCHANGED
from tinhso.fieldreports import events as report_events
from tinhso.fieldreports.lifecycle import LIFECYCLE
from tinhso.generator import clock
from tinhso.generator.dossiers import Unit

REJECT = 0.04
LATE = 0.12
RATE = 0.3
SATISFIED = 0.8
REJECTION_REASONS = (
    "Nội dung không thuộc phạm vi phản ánh hiện trường.",
    "Phản ánh không đủ thông tin để xử lý.",
)
RESULTS = (
    "Đơn vị đã cử lực lượng đến hiện trường và khắc phục xong.",
    "Đã phối hợp với đơn vị quản lý khắc phục, hiện trường đã thông thoáng.",
    "Đã kiểm tra, nhắc nhở và yêu cầu chấm dứt vi phạm.",
)


@dataclass(frozen=True)
class CategoryInfo:
    pk: int
    code: str
    name: str
    deadline_days: int | None
    deadline_hours: int | None
    weight: int
    attributes: dict  # answers to the category's required questions


@dataclass
class ReportLife:
    fields: dict
    events: list[tuple[str, int | None, dict, datetime]]


class ReportStory:
    """Plays one report from filing to publication and rating, stopping at `now`."""

    def __init__(
        self, *, now: datetime, rng: random.Random, coordinator: int, handlers: dict[int, int]
    ) -> None:
        self.now, self.rng, self.coordinator, self.handlers = now, rng, coordinator, handlers

    def play(
        self, fields: dict, category: CategoryInfo, commune: Unit, unit: Unit, reporter: int | None
    ) -> ReportLife:
        rng, submitted, due = self.rng, fields["submitted_at"], fields["due_at"]
        events: list[tuple[str, int | None, dict, datetime]] = [
            (
                report_events.SUBMITTED,
                reporter,
                {
                    "tracking_code": fields["tracking_code"],
                    "category": category.code,
                    "commune": commune.code,
                    "source": fields["source"],
                    "partner": None,
                    "photos": 0,
                },
                submitted,
            ),
            (
                report_events.ROUTED,
                None,
                {"unit": unit.code, "due_at": due.isoformat(), "automatic": True},
                submitted,
            ),
        ]
        life = ReportLife(fields, events)
        handler = self.handlers[unit.pk]
        total = max(30, int((due - submitted).total_seconds() // 60))
        acknowledged = clock.add_minutes(submitted, rng.randint(10, 240))
        late = rng.random() < LATE
        resolved = acknowledged + timedelta(
            minutes=int(total * (rng.uniform(1.1, 2.5) if late else rng.uniform(0.2, 0.9)))
        )
        self._flag(life, due, unit, min(acknowledged, self.now))
        if acknowledged > self.now:
            return life
        if rng.random() < REJECT:
            reason = rng.choice(REJECTION_REASONS)
            taken = {"closed_at": acknowledged, "rejection_reason": reason}
            _take(life, "reject", self.coordinator, {"reason": reason}, acknowledged, **taken)
            return life
        _take(life, "acknowledge", handler, {"unit": unit.code}, acknowledged, acknowledged_at=acknowledged)
        self._flag(life, due, unit, min(resolved, self.now))
        if resolved > self.now:
            return life
        payload = {"unit": unit.code, "photos": 0, "on_time": resolved <= due}
        taken = {"resolved_at": resolved, "result": rng.choice(RESULTS)}
        _take(life, "post_result", handler, payload, resolved, **taken)
        published = resolved + timedelta(minutes=rng.randint(20, 600))
        if published > self.now:
            return life
        _take(life, "approve_result", self.coordinator, {}, published, closed_at=published)
        rated = published + timedelta(minutes=rng.randint(30, 4000))
        if reporter is not None and rng.random() < RATE and rated <= self.now:
            satisfied = rng.random() < SATISFIED
            _take(life, "rate", reporter, {"satisfied": satisfied}, rated, satisfied=satisfied)
        return life

    def _flag(self, life: ReportLife, due: datetime, unit: Unit, until: datetime) -> None:
        """The overdue job flags a report still waiting on its unit past the deadline, and escalates it."""
        if life.fields.get("overdue_at") is not None:
            return
        flagged = clock.first_flag_after(due)
        if flagged > until:
            return
        life.fields["overdue_at"] = flagged
        life.events.append(
            (
                report_events.OVERDUE,
                None,
                {"due_at": clock.iso_text(due.astimezone(UTC)), "unit": unit.code},
                flagged,
            )
        )
        leaders = [self.handlers[unit.pk]]
        life.events.append((report_events.ESCALATED, None, {"unit": unit.code, "leaders": leaders}, flagged))


def _take(
    life: ReportLife, action: str, actor: int | None, payload: dict[str, Any], at: datetime, **fields: Any
) -> None:
    """A transition of the declared lifecycle from the report's status: the table's target status and event."""
    row = LIFECYCLE.check(action, life.fields["status"])
    if row.target != UNCHANGED:
        life.fields["status"] = row.target
    life.fields.update(fields)
    life.events.append((row.event, actor, payload, at))
