"""A case type's lifecycle as one declared table: each transition names the states it leaves from, the state
it reaches, who may take it, the event it records and the legal form it produces. Services enforce the table
(`Lifecycle.check`), selectors answer which actions a person may take now (`Lifecycle.offered`), tests and the
data generator read it, and `docs/lifecycles.md` is generated from it (`tinhso docs`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import Conflict, Forbidden
from tinhso.core.events import EventType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Targets that are not a state: the case keeps its state, or returns to the one it was paused from.
UNCHANGED = "unchanged"
RESUMED = "resumed"

REGISTRY: dict[str, "Lifecycle"] = {}


@dataclass(frozen=True)
class Party:
    """Who may take a transition, in words for people (the app's selectors decide who that is)."""

    code: str
    description: "StrOrPromise"
    refusal: "StrOrPromise"  # what someone who is not this party is told
    refusal_code: str


@dataclass(frozen=True)
class Transition:
    action: str  # the service's action name, also the API path and the page's form name (with "-")
    sources: tuple[Any, ...]
    target: Any  # a state, UNCHANGED or RESUMED
    parties: tuple[Party, ...]  # any one of them may act
    event: EventType
    title: "StrOrPromise"  # the button's words
    doing: "StrOrPromise"  # "cannot <doing> while ..." (a verb phrase)
    documents: tuple[str, ...] = ()  # the legal forms it produces (the app's names for them)
    destructive: bool = False  # ends or undoes the case: the page asks for confirmation
    expected: bool = False  # the way forward from its states: offered first

    @property
    def slug(self) -> str:
        return self.action.replace("_", "-")


@dataclass(frozen=True)
class Lifecycle:
    name: str  # the case type, e.g. "dossier"
    title: "StrOrPromise"
    states: Any  # the model's Choices class
    transitions: tuple[Transition, ...]
    subject: "StrOrPromise" = ""  # how an error names the case, e.g. "hồ sơ này"
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        REGISTRY[self.name] = self

    @cached_property
    def actions(self) -> list[str]:
        return list(dict.fromkeys(transition.action for transition in self.transitions))

    def rows(self, action: str) -> list[Transition]:
        rows = [transition for transition in self.transitions if transition.action == action]
        if not rows:
            raise KeyError(action)
        return rows

    def sources(self, action: str) -> set[Any]:
        return {state for row in self.rows(action) for state in row.sources}

    @cached_property
    def _by_action_and_state(self) -> dict[tuple[str, Any], Transition]:
        return {(row.action, state): row for row in reversed(self.transitions) for state in row.sources}

    def transition(self, action: str, state: Any) -> Transition | None:
        """The row of `action` that leaves from `state`, if any."""
        if action not in self.actions:
            raise KeyError(action)
        return self._by_action_and_state.get((action, state))

    def check(
        self, action: str, state: Any, *, current: dict[str, Any] | None = None, **extra: Any
    ) -> Transition:
        """The row of `action` from `state`; Conflict `transition_not_allowed` (with `current`, the case as
        the refused writer should reload it) when there is none."""
        row = self.transition(action, state)
        if row is None:
            doing = self.rows(action)[0].doing
            raise Conflict(
                _("%(subject)s đang ở trạng thái “%(status)s”, không thể %(doing)s."),
                params={
                    "doing": doing,
                    "subject": capfirst(cast(str, self.subject)),
                    "status": self.states(state).label,
                },
                code="transition_not_allowed",
                current=current,
                **extra,
            )
        return row

    def authorize(self, row: Transition, is_party: Callable[[Party], bool]) -> None:
        """Forbidden unless the actor is one of the row's parties (told as the last party listed)."""
        if not any(is_party(party) for party in row.parties):
            party = row.parties[-1]
            raise Forbidden(party.refusal, code=party.refusal_code)

    def offered(
        self,
        state: Any,
        is_party: Callable[[Party], bool],
        possible: Callable[[Transition], bool] = lambda row: True,
    ) -> list[Transition]:
        """What someone may do now: the rows from `state` whose party they are and that `possible` (the
        app's further conditions) allows; the expected ones first, destructive ones last."""
        rows = [
            row
            for row in self.transitions
            if state in row.sources and any(is_party(party) for party in row.parties) and possible(row)
        ]
        return sorted(rows, key=lambda row: (not row.expected, row.destructive))

    def parties(self) -> list[Party]:
        return list(dict.fromkeys(party for row in self.transitions for party in row.parties))


def states_named(states: Any, values: Iterable[Any]) -> str:
    return ", ".join(str(states(value).label) for value in values)
