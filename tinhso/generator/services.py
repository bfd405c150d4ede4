"""`tinhso gen`: years of a province's history written in bulk, yet exactly the rows and events the services
and the IOC consumer would have written, so every KPI and `tinhso verify-log` hold on generated data.

History is written day by day in batches; each batch is one transaction holding its citizens' or dossiers'
and reports' rows, their hash-chained events, the IOC facts and counters, the dossier code counters and a
checkpoint of the new chains, so an interrupted run leaves whole days behind, never half of one."""

import functools
import gc
import math
import multiprocessing
import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from hashlib import sha256
from json.encoder import encode_basestring as json_string
from operator import attrgetter
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import FileField, JSONField, Model
from django.utils import timezone

from tinhso.catalog.models import Procedure
from tinhso.core import events as core_events
from tinhso.core import services as core_services
from tinhso.core import sql as core_sql
from tinhso.core.errors import InvalidInput
from tinhso.core.eventlog import GENESIS_HASH, stream_name
from tinhso.core.models import AdminUnit, Event, PopulationRecord, Role, StreamHead, User
from tinhso.dossiers.models import Channel, Dossier, DossierCounter, Status
from tinhso.dossiers.services import ACKNOWLEDGE_HOURS
from tinhso.fieldreports import selectors as fieldreport_selectors
from tinhso.fieldreports.models import Category, CategoryAttribute, Report
from tinhso.fieldreports.services import deadline_for
from tinhso.generator import clock, forms, indexes, sql
from tinhso.generator.dossiers import (
    Lifecycle,
    Officials,
    ProcedureInfo,
    SimulatedDossier,
    Step,
    Unit,
    forget_promised_dates,
)
from tinhso.generator.people import People, Person, full_name, street_address
from tinhso.generator.reports import CategoryInfo, ReportStory
from tinhso.generator.writer import (
    COPY_NULL,
    columns_of,
    copy_json,
    copy_text,
    dumps,
    jsonb_text,
    next_id,
    payload_json,
)
from tinhso.ioc import periods
from tinhso.ioc import services as ioc_services
from tinhso.ioc.models import STATE_NAME, ConsumerState, DossierFact, ReportFact

# Shares of a province's dossiers by sector (one-stop statistics of Mekong delta provinces, rounded).
SECTOR_WEIGHTS = {
    "Chứng thực": 30,
    "Hộ tịch": 24,
    "Đăng ký, quản lý cư trú": 16,
    "Đất đai": 11,
    "Lý lịch tư pháp": 5,
    "Thành lập và hoạt động của hộ kinh doanh": 5,
    "Bảo hiểm y tế": 4,
    "Hoạt động xây dựng": 3,
    "Thành lập và hoạt động doanh nghiệp": 2,
}
OWN_COMMUNE = 0.88  # commune-level dossiers lodged at the applicant's own commune
POSTAL = 0.04
DOSSIERS_PER_CITIZEN = 6
OFFICIAL_LOGINS = {Role.RECEPTIONIST: "motcua", Role.SPECIALIST: "chuyenvien", Role.UNIT_LEADER: "lanhdao"}
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# Office time is counted from a calendar read once per run, from a little before the history starts to
# well past the latest deadline it sets (the core functions answer beyond it).
CALENDAR_BEFORE = timedelta(days=10)
CALENDAR_AHEAD = timedelta(days=400)


@dataclass
class Summary:
    citizens: int = 0
    dossiers: int = 0
    reports: int = 0
    events: int = 0
    batches: int = 0
    seconds: float = 0.0


class Written(NamedTuple):
    """An event as the IOC replay reads it."""

    action: str
    payload: dict[str, Any]
    occurred_at: datetime
    seq: int


@dataclass
class Citizen:
    user_id: int
    person: Person
    commune: int  # index into World.communes


@dataclass
class World:
    """Everything read once: the province's units, the catalog, the categories, the officials."""

    province: AdminUnit
    centre: Unit
    communes: list[AdminUnit]
    committees: list[Unit]  # the people's committee of communes[i]
    procedures: list[ProcedureInfo]
    procedure_weights: list[float]
    categories: list[CategoryInfo]
    category_models: dict[int, Category]
    officials: Officials
    coordinator: int
    leaders: dict[int, int]
    routes: dict[tuple[int, int], Unit]  # (category, commune) -> the unit handling such reports there
    unit_ids: dict[str, int]
    radius: list[float] = field(default_factory=list)


# ---- the world ------------------------------------------------------------------------------------------


def _unit(unit: AdminUnit) -> Unit:
    return Unit(unit.pk, unit.code)


def _procedures() -> tuple[list[ProcedureInfo], list[float]]:
    procedures = (
        Procedure.objects.filter(is_current=True).select_related("authority").prefetch_related("steps__unit")
    )
    infos, weights = [], []
    by_sector: dict[str, int] = defaultdict(int)
    for procedure in procedures:
        by_sector[procedure.sector] += 1
    for procedure in procedures:
        steps = tuple(
            Step(s.pk, s.order, s.role, s.unit_kind, _unit(s.unit) if s.unit else None, s.hours)
            for s in sorted(procedure.steps.all(), key=lambda step: step.order)
        )
        if not steps:
            continue
        last = steps[-1]
        returns = len(steps) > 1 and last.role == Role.RECEPTIONIST and last.unit_kind == "receiving"
        infos.append(
            ProcedureInfo(
                pk=procedure.pk,
                code=procedure.code,
                version=procedure.version,
                level=procedure.level,
                sector=procedure.sector,
                full_online=procedure.online_level == Procedure.OnlineLevel.FULL,
                processing_days=procedure.processing_days,
                processing_hours=procedure.processing_hours,
                cutoff_time=procedure.cutoff_time,
                authority=_unit(procedure.authority) if procedure.authority else None,
                handling=steps[:-1] if returns else steps,
                return_step=last if returns else None,
                schema=procedure.form_schema,
            )
        )
        weights.append(SECTOR_WEIGHTS.get(procedure.sector, 2) / by_sector[procedure.sector])
    if not infos:
        raise InvalidInput(
            "Chưa có thủ tục nào trong danh mục: chạy `tinhso load-demo` trước khi sinh dữ liệu."
        )
    return infos, weights


def _categories() -> tuple[list[CategoryInfo], dict[int, Category]]:
    categories = Category.objects.filter(active=True, parent__isnull=False).prefetch_related("attributes")
    infos = []
    for index, category in enumerate(categories):
        answers = {
            attribute.code: _attribute_answer(attribute)
            for attribute in category.attributes.all()
            if attribute.required
        }
        weight = 6 if category.code.startswith(("ha-tang", "moi-truong")) else 3 if index % 2 else 2
        infos.append(
            CategoryInfo(
                category.pk,
                category.code,
                category.name,
                category.deadline_days,
                category.deadline_hours,
                weight,
                answers,
            )
        )
    return infos, {category.pk: category for category in categories}


def _attribute_answer(attribute: CategoryAttribute) -> str:
    if attribute.values:
        return str(attribute.values[0][0])
    return "1" if attribute.datatype == "number" else "Có"


def _official(role: str, unit: AdminUnit, rng: random.Random) -> int:
    """The generated official holding `role` at `unit`, created through the services the first time."""
    username = f"{OFFICIAL_LOGINS[Role(role)]}.{unit.code.lower()}"
    existing = User.objects.filter(username=username).values_list("pk", flat=True).first()
    if existing:
        return existing
    sex = rng.choice("MF")
    user = core_services.create_official(
        actor=None,
        username=username,
        full_name=full_name(rng, sex),
        password=None,
        roles=[(role, unit.code)],
    )
    return user.pk


def _world(rng: random.Random) -> World:
    from tinhso.core import selectors as core_selectors

    province = core_selectors.province_unit()
    centre = core_selectors.unit_by_code(f"000.00.01.{settings.TINHSO_PROVINCE}")
    committees_by_commune = {
        unit.parent_id: unit for unit in AdminUnit.objects.filter(category="UBND", parent__parent=province)
    }
    communes = [
        unit
        for unit in AdminUnit.objects.filter(
            parent=province, kind=AdminUnit.Kind.COMMUNE, valid_to__isnull=True
        )
        if unit.pk in committees_by_commune and unit.latitude is not None
    ]
    if not communes:
        raise InvalidInput("Chưa có xã, phường của tỉnh: chạy `tinhso load-demo` trước khi sinh dữ liệu.")
    procedures, weights = _procedures()
    categories, category_models = _categories()
    ids: dict[tuple[str, int], int] = {}
    with transaction.atomic():
        receiving = [centre, *committees_by_commune.values()]
        deciding = {unit.pk: unit for unit in committees_by_commune.values()}
        for info in procedures:
            if info.authority:
                deciding[info.authority.pk] = AdminUnit.objects.get(pk=info.authority.pk)
            for step in info.handling:
                if step.unit:
                    deciding[step.unit.pk] = AdminUnit.objects.get(pk=step.unit.pk)
        for unit in receiving:
            ids[(Role.RECEPTIONIST, unit.pk)] = _official(Role.RECEPTIONIST, unit, rng)
        for unit in deciding.values():
            for role in (Role.SPECIALIST, Role.UNIT_LEADER):
                ids[(role, unit.pk)] = _official(role, unit, rng)
        routes = {
            (category.pk, commune.pk): fieldreport_selectors.responsible_unit_for(
                category=category, commune=commune
            )
            for category in category_models.values()
            for commune in communes
        }
        for unit in {unit.pk: unit for unit in routes.values()}.values():
            ids.setdefault((Role.UNIT_LEADER, unit.pk), _official(Role.UNIT_LEADER, unit, rng))
        coordinator = _official(Role.SPECIALIST, province, rng)
    leaders = {pk: ids[(Role.UNIT_LEADER, pk)] for role, pk in ids if role == Role.UNIT_LEADER}
    world = World(
        province=province,
        centre=_unit(centre),
        communes=communes,
        committees=[_unit(committees_by_commune[commune.pk]) for commune in communes],
        procedures=procedures,
        procedure_weights=weights,
        categories=categories,
        category_models=category_models,
        officials=Officials(ids),
        coordinator=coordinator,
        leaders=leaders,
        routes={key: _unit(unit) for key, unit in routes.items()},
        unit_ids=dict(AdminUnit.objects.filter(path__startswith=province.path).values_list("code", "pk")),
    )
    world.radius = [_jitter_radius(commune, communes) for commune in communes]
    return world


def _jitter_radius(commune: AdminUnit, communes: list[AdminUnit]) -> float:
    """Reports fall within 40% of the way to the nearest other commune centre, so the nearest centre
    (how the platform finds a report's commune) is the commune's own."""
    (latitude, longitude) = commune.centre
    nearest = min(
        math.hypot(other.centre[0] - latitude, other.centre[1] - longitude)
        for other in communes
        if other.pk != commune.pk
    )
    return 0.4 * nearest / 2


# ---- rows -----------------------------------------------------------------------------------------------


class Record:
    """A row's values by attribute name, defaults filled in: the IOC replay and the writer read it like a
    model instance, at a fraction of the cost of building one (millions are made)."""

    _defaults: dict[type[Model], dict[str, Any]] = {}

    def __init__(self, model: type[Model], **values: Any) -> None:
        if model not in self._defaults:
            self._defaults[model] = {
                field.attname: field.get_default() for field in model._meta.concrete_fields
            }
        self.__dict__.update(self._defaults[model])
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:  # only for a name that is no column: the columns are set above
        raise AttributeError(name)


class _Layout(NamedTuple):
    values: Callable[[object], tuple[Any, ...]]  # the attributes in column order
    json: tuple[int, ...]  # positions of JSON columns
    files: tuple[int, ...]  # positions of file columns
    dumps: Callable[[object], str]  # JSON values to text


_layouts: dict[type[Model], _Layout] = {}


def _layout(model: type[Model]) -> _Layout:
    fields = model._meta.concrete_fields
    return _Layout(
        attrgetter(*(field.attname for field in fields)),
        tuple(i for i, field in enumerate(fields) if isinstance(field, JSONField)),
        tuple(i for i, field in enumerate(fields) if isinstance(field, FileField)),
        jsonb_text if connection.vendor == "postgresql" else dumps,
    )


def _row(model: type[Model], instance: object) -> tuple[Any, ...]:
    """The instance's values in the table's column order (columns_of), JSON as text, files as names."""
    layout = _layouts.get(model) or _layouts.setdefault(model, _layout(model))
    values = layout.values(instance)
    if not layout.json and not layout.files:
        return values
    converted = list(values)
    for index in layout.json:
        converted[index] = layout.dumps(converted[index])
    for index in layout.files:
        converted[index] = getattr(converted[index], "name", converted[index]) or ""
    return tuple(converted)


@functools.cache
def _action_texts(action: str) -> tuple[str, str]:
    """An action as the hashed text (JSON) and the COPY line write it."""
    return json_string(action), copy_text(action)


class Batch:
    """What one transaction writes."""

    def __init__(self, ids: dict[str, int], *, replica: bool = False) -> None:
        self.ids = ids
        self.replica = replica  # may skip the foreign-key triggers (see _may_skip_reference_checks)
        self.rows: dict[type[Model], list[tuple[Any, ...]]] = defaultdict(list)
        # The events as COPY text lines on PostgreSQL (written once, here), as rows elsewhere.
        self.event_lines: list[str] | None = [] if connection.vendor == "postgresql" else None
        self.heads: list[list[Any]] = []  # [stream, seq, hash] of each new stream's last event
        self.head_rows: list[tuple[Any, ...]] = []  # the same with its time, a row of the heads (core.heads)
        self.deltas: Counter[tuple[Any, ...]] = Counter()
        self.last_event_at: datetime | None = None

    def take(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind] - 1

    def chain(
        self, stream: str, events: list[tuple[str, int | None, dict[str, Any], datetime]]
    ) -> list[Written]:
        """Hash-chains a new stream's events exactly as record_event does (event_hash_at's text, written out
        here with the stream's and the actions' JSON strings made once); returns them for the IOC."""
        previous, written = GENESIS_HASH, []
        lines, rows, name, quoted = self.event_lines, self.rows[Event], copy_text(stream), json_string(stream)
        for seq, (action, actor, payload, local) in enumerate(events, 1):
            at = local.astimezone(UTC)  # as the database returns it, so the IOC facts match the consumer's
            text, iso = payload_json(payload).decode(), clock.iso_text(at)
            actor_text = "null" if actor is None else f"{actor:d}"
            action_json, action_copy = _action_texts(action)
            hashed = f'[{quoted},{seq:d},{action_json},{actor_text},"{iso}",{text},"{previous}"]'
            digest = sha256(hashed.encode()).hexdigest()
            if lines is None:
                rows.append((stream, seq, action, actor, text, at, previous, digest))
            else:
                actor_text = COPY_NULL if actor is None else actor_text
                lines.append(
                    f"{name}\t{seq:d}\t{action_copy}\t{actor_text}\t{copy_json(text)}\t{iso}\t{previous}\t{digest}\n"
                )
            written.append(Written(action, payload, at, seq))
            previous = digest
        latest = max(event.occurred_at for event in written)
        if self.last_event_at is None or latest > self.last_event_at:
            self.last_event_at = latest
        self.heads.append([stream, len(events), previous])
        self.head_rows.append((stream, len(events), previous, written[-1].occurred_at))
        return written

    def count(self, contributions: list[list[Any]]) -> None:
        self.deltas.update(map(tuple, contributions))

    def write(self, code_counters: dict[tuple[int, date], int], now: datetime) -> int:
        """Writes the batch; the rows shared with a concurrent worker (counters, the last checkpoint, the
        consumer's cursor) come last and in a fixed order, so workers wait for each other only briefly."""
        _batch_settings(self.replica)
        for model in (User, PopulationRecord, Dossier, Report):
            core_sql.copy_rows(model._meta.db_table, columns_of(model), self.rows.get(model, []))
        _copy_events(self.event_lines, self.rows.get(Event, []))
        if self.replica:  # the log's trigger, which keeps the heads, was skipped with the foreign keys'
            core_sql.copy_rows(
                StreamHead._meta.db_table, ["stream", "seq", "hash", "occurred_at"], self.head_rows
            )
        last_event_id = sql.last_id_written(table=Event._meta.db_table) if self.heads else 0
        for fact in (DossierFact, ReportFact):
            core_sql.copy_rows(fact._meta.db_table, columns_of(fact), self.rows.get(fact, []))
        _save_code_counters(code_counters)
        ioc_services.add_to_counters(dict(sorted(self.deltas.items())))
        if self.heads:
            core_services.checkpoint_heads(heads=sorted(self.heads), now=now)
        _advance_consumer(last_event_id, self.last_event_at)
        if self.replica:
            sql.triggers_back()
        return len(self.event_lines) if self.event_lines is not None else len(self.rows.get(Event, []))


EVENT_COLUMNS = [column for column in columns_of(Event) if column != Event._meta.pk.column]


def _copy_events(lines: list[str] | None, rows: list[tuple[Any, ...]]) -> None:
    """The events in EVENT_COLUMNS order, their ids from the table's own sequence: on PostgreSQL the COPY text
    lines Batch.chain wrote (strings, integers and instants: simple to format), elsewhere the rows."""
    if lines is None:
        core_sql.copy_rows(Event._meta.db_table, EVENT_COLUMNS, rows)
    elif lines:
        sql.copy_lines(table=Event._meta.db_table, columns=EVENT_COLUMNS, lines=lines)


def _reserve(model: type[Model], count: int) -> int:
    """The first of `count` consecutive ids kept for the generator; anyone inserting later gets ids after."""
    first = next_id(model)
    if connection.vendor == "postgresql" and count:
        first = sql.reserve_ids(table=model._meta.db_table, first=first, count=count)
    return first


def _may_skip_reference_checks() -> bool:
    """Every reference the generator writes points at a row it read or wrote itself, so on PostgreSQL its
    batches skip the per-row foreign-key triggers (as pg_restore --disable-triggers does), when allowed."""
    return connection.vendor == "postgresql" and sql.is_superuser()


def _batch_settings(replica: bool) -> None:
    """A batch's commit need not wait for the disk: a crash may lose the last batches, each one whole."""
    if connection.vendor == "postgresql":
        sql.loading_settings(skip_triggers=replica)


def _save_code_counters(code_counters: dict[tuple[int, date], int]) -> None:
    """The last number each desk gave on each generated day, so later real submissions continue it."""
    core_sql.upsert_rows(
        DossierCounter._meta.db_table,
        ["unit_id", "day", "last"],
        [(unit, day, last) for (unit, day), last in code_counters.items()],
        key=["unit_id", "day"],
        column_types=["bigint", "date", "integer"],
        update='"last" = GREATEST({table}."last", excluded."last")'
        if connection.vendor == "postgresql"
        else '"last" = MAX({table}."last", excluded."last")',
    )
    code_counters.clear()


def _advance_consumer(last_event_id: int, last_event_at: datetime | None) -> None:
    """The IOC consumer need not read what the generator already rolled up."""
    state = ConsumerState.objects.select_for_update().get(name=STATE_NAME)
    state.last_event_id = max(state.last_event_id, last_event_id)
    if last_event_at is not None:
        state.data_as_of = max(state.data_as_of or last_event_at, last_event_at)
    state.save(update_fields=["last_event_id", "data_as_of"])


# ---- citizens -------------------------------------------------------------------------------------------


def _citizens(
    world: World, count: int, rng: random.Random, now: datetime, registered_at: datetime, replica: bool
) -> list[Citizen]:
    """Citizens of the province who already have an account are reused; the rest are registered in bulk
    (as if they had signed up when the history starts, before their first dossier)."""
    citizens: list[Citizen] = []
    communes = {commune.pk: index for index, commune in enumerate(world.communes)}
    people = PopulationRecord.objects.filter(permanent_commune__in=communes).values_list(
        "citizen_id", "full_name", "birth_date", "sex", "permanent_address", "permanent_commune"
    )
    accounts = dict(User.objects.filter(citizen_id__isnull=False).values_list("citizen_id", "pk"))
    for citizen_id, name, born, sex, address, commune in people:
        if citizen_id in accounts and len(citizens) < count:
            citizens.append(
                Citizen(accounts[citizen_id], Person(citizen_id, name, born, sex, address), communes[commune])
            )
    registry = People(rng, set(PopulationRecord.objects.values_list("citizen_id", flat=True)))
    today = timezone.localdate(now)
    missing = count - len(citizens)
    ids = {"user": _reserve(User, missing), "population": _reserve(PopulationRecord, missing)}
    while len(citizens) < count:
        batch = Batch(ids, replica=replica)
        for _ in range(min(50_000, count - len(citizens))):
            citizens.append(_register(world, registry, batch, today, registered_at))
        with transaction.atomic():
            batch.write({}, now)
    return citizens


def _register(world: World, registry: People, batch: Batch, today: date, registered_at: datetime) -> Citizen:
    person = registry.adult(today=today)
    index = registry.rng.randrange(len(world.communes))
    commune = world.communes[index]
    address = f"{person.street}, {commune.name}, {world.province.name}"
    record = Record(
        PopulationRecord,
        id=batch.take("population"),
        citizen_id=person.citizen_id,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        permanent_address=address,
        permanent_commune_id=commune.pk,
    )
    user = Record(
        User,
        id=batch.take("user"),
        password="!",  # no password until the citizen signs in through the national identity service
        username=person.citizen_id,
        citizen_id=person.citizen_id,
        full_name=person.full_name,
        account_type=User.AccountType.CITIZEN,
        date_joined=registered_at,
    )
    batch.rows[PopulationRecord].append(_row(PopulationRecord, record))
    batch.rows[User].append(_row(User, user))
    event = (core_events.CITIZEN_REGISTERED, None, {"citizen_id": person.citizen_id}, registered_at)
    batch.chain(stream_name(User, user.id), [event])
    return Citizen(
        user.id, Person(person.citizen_id, person.full_name, person.birth_date, person.sex, address), index
    )


# ---- dossiers -------------------------------------------------------------------------------------------


class _Maker:
    """What a worker's makers of dossiers and of reports share: the run's world and clock, the worker's dice."""

    def __init__(self, run: "Run", rng: random.Random) -> None:
        self.world, self.citizens, self.now, self.horizon = run.world, run.citizens, run.now, run.horizon
        self.rng = rng
        self.judged_at = run.judged_at  # when open records are judged (ioc_services.judging_instant)


class DossierMaker(_Maker):
    def __init__(self, run: "Run", rng: random.Random) -> None:
        super().__init__(run, rng)
        world, now, first = run.world, run.now, run.first
        self.lifecycles = {
            info.pk: Lifecycle(procedure=info, officials=world.officials, now=now, rng=rng)
            for info in world.procedures
        }
        self.agency_codes = dict(AdminUnit.objects.exclude(agency_code=None).values_list("pk", "agency_code"))
        # The last number each desk gave on each day, so generated codes continue real ones.
        self.numbered = {
            (unit, day): last
            for unit, day, last in DossierCounter.objects.filter(day__gte=first).values_list(
                "unit_id", "day", "last"
            )
        }
        self.code_counters: dict[tuple[int, date], int] = {}
        self.prefixes: dict[tuple[int, date], str] = {}  # each desk's day's code before its number

    def arrivals(self, day: date, count: int, online_share: dict[bool, float]) -> list[tuple[Any, ...]]:
        rng, world = self.rng, self.world
        procedures = rng.choices(world.procedures, weights=world.procedure_weights, k=count)
        out = []
        for procedure in procedures:
            share = online_share[procedure.full_online]
            if rng.random() < share:
                channel, instant = Channel.ONLINE, clock.any_instant(rng, day)
            else:
                channel = Channel.POSTAL if rng.random() < POSTAL else Channel.IN_PERSON
                instant = clock.office_instant(rng, day)
            if instant > self.now:
                instant = clock.earlier_today(rng, now=self.now)
            out.append((instant, procedure, channel, rng.choice(self.citizens)))
        out.sort(key=lambda arrival: arrival[0])
        return out

    def _units(self, procedure: ProcedureInfo, citizen: Citizen) -> tuple[Unit, Unit]:
        world = self.world
        if procedure.level == Procedure.Level.PROVINCE:
            assert procedure.authority is not None  # a provincial procedure names its authority
            return world.centre, procedure.authority
        index = (
            citizen.commune if self.rng.random() < OWN_COMMUNE else self.rng.randrange(len(world.committees))
        )
        committee = world.committees[index]
        return committee, committee

    def _code(self, unit: Unit, day: date) -> str:
        key = (unit.pk, day)
        number = self.numbered[key] = self.code_counters[key] = self.numbered.get(key, 0) + 1
        prefix = self.prefixes.get(key)
        if prefix is None:
            prefix = self.prefixes[key] = f"{self.agency_codes[unit.pk]}-{day:%y%m%d}-"
        return f"{prefix}{number:04d}"

    def make(self, batch: Batch, arrival: tuple[Any, ...]) -> None:
        instant, procedure, channel, citizen = arrival
        day = instant.astimezone(clock.local_zone()).date()
        receiving, authority = self._units(procedure, citizen)
        online = channel == Channel.ONLINE
        dossier = SimulatedDossier(
            code=self._code(receiving, day),
            status=Status.NEW,
            version=1,
            channel=channel,
            receiving_unit=receiving,
            authority_unit=authority,
            applicant_id=citizen.user_id,
            submitted_at=instant,
            acknowledge_due_at=clock.add_hours(instant, Decimal(ACKNOWLEDGE_HOURS)) if online else None,
            accepted_at=None,
            promised_at=None,
            original_promised_at=None,
            finished_at=None,
            returned_at=None,
            closed_at=None,
            current_step=None,
            current_unit=None,
            step_started_at=None,
            step_due_at=None,
            overdue_flagged_at=None,
            paused_at=None,
            paused_status=None,
            paused_total=timedelta(),
            result_file="",
            rating=None,
        )
        submitter = citizen.user_id if online else self.world.officials(Role.RECEPTIONIST, receiving)
        life = self.lifecycles[procedure.pk].play(dossier, submitter)
        pk = batch.take("dossier")
        form = forms.answers(procedure.schema, citizen.person, self.rng, day)
        batch.rows[Dossier].append(_row(Dossier, _dossier(pk, procedure, dossier, form)))
        written = batch.chain(stream_name(Dossier, pk), life.events)
        fact = Record(
            DossierFact,
            dossier_id=pk,
            code=dossier.code,
            unit_id=authority.pk,
            sector=procedure.sector,
            procedure_code=procedure.code,
            full_online=procedure.full_online,
            channel=channel,
            status=Status.NEW,
            submitted_at=instant,
        )
        ioc_services.replay_dossier_fact(fact, written, self.horizon, self.judged_at)
        batch.rows[DossierFact].append(_row(DossierFact, fact))
        batch.count(fact.contributions)


def _dossier(pk: int, procedure: ProcedureInfo, dossier: SimulatedDossier, form: dict[str, Any]) -> Record:
    return Record(
        Dossier,
        id=pk,
        code=dossier.code,
        procedure_id=procedure.pk,
        applicant_id=dossier.applicant_id,
        receiving_unit_id=dossier.receiving_unit.pk,
        authority_unit_id=dossier.authority_unit.pk,
        channel=dossier.channel,
        status=dossier.status,
        form_data=form,
        submitted_at=dossier.submitted_at,
        acknowledge_due_at=dossier.acknowledge_due_at,
        accepted_at=dossier.accepted_at,
        promised_at=dossier.promised_at,
        original_promised_at=dossier.original_promised_at,
        finished_at=dossier.finished_at,
        returned_at=dossier.returned_at,
        closed_at=dossier.closed_at,
        current_step_id=dossier.current_step_id,
        current_unit_id=dossier.current_unit_id,
        step_started_at=dossier.step_started_at,
        step_due_at=dossier.step_due_at,
        overdue_flagged_at=dossier.overdue_flagged_at,
        paused_at=dossier.paused_at,
        paused_status=dossier.paused_status,
        paused_total=dossier.paused_total,
        result_file=dossier.result_file,
        rating=dossier.rating,
        version=dossier.version,
    )


# ---- field reports --------------------------------------------------------------------------------------


class ReportMaker(_Maker):
    def __init__(self, run: "Run", rng: random.Random) -> None:
        super().__init__(run, rng)
        world = run.world
        self.story = ReportStory(now=run.now, rng=rng, coordinator=world.coordinator, handlers=world.leaders)
        self.codes = set(Report.objects.values_list("tracking_code", flat=True))

    def _tracking_code(self, instant: datetime) -> str:
        prefix = f"PA{timezone.localtime(instant):%y%m%d}-"
        while True:
            code = prefix + "".join(self.rng.choice(TRACKING_ALPHABET) for _ in range(5))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def make(self, batch: Batch, day: date) -> None:
        rng, world = self.rng, self.world
        category = rng.choices(world.categories, weights=[c.weight for c in world.categories])[0]
        index = rng.randrange(len(world.communes))
        commune, radius = world.communes[index], world.radius[index]
        angle, distance = rng.uniform(0, 2 * math.pi), radius * math.sqrt(rng.random())
        instant = clock.any_instant(rng, day)
        if instant > self.now:
            instant = clock.earlier_today(rng, now=self.now)
        unit = world.routes[(category.pk, commune.pk)]
        citizen = rng.choice(self.citizens) if rng.random() < 0.7 else None
        due = deadline_for(world.category_models[category.pk], instant)
        fields = {
            "tracking_code": self._tracking_code(instant),
            "source": Report.Source.WEB,
            "submitted_at": instant,
            "due_at": due,
            "status": Report.Status.ROUTED,
        }
        reporter = citizen.user_id if citizen else None
        life = self.story.play(fields, category, _unit(commune), unit, reporter)
        pk = batch.take("report")
        report = Record(
            Report,
            id=pk,
            token=secrets.token_urlsafe(18),
            category_id=category.pk,
            description=f"{category.name}: {rng.choice(REPORT_DETAILS)}",
            attributes=category.attributes,
            latitude=round(commune.centre[0] + distance * math.sin(angle), 6),
            longitude=round(commune.centre[1] + distance * math.cos(angle), 6),
            address=f"{street_address(rng)}, {commune.name}",
            commune_id=commune.pk,
            responsible_unit_id=unit.pk,
            reporter_id=reporter,
            reporter_phone="" if citizen else f"09{rng.randrange(10**8):08d}",
            updated_at=life.events[-1][3],
            **life.fields,
        )
        batch.rows[Report].append(_row(Report, report))
        written = batch.chain(stream_name(Report, pk), life.events)
        fact = Record(
            ReportFact,
            report_id=pk,
            tracking_code=report.tracking_code,
            commune_id=commune.pk,
            unit_id=commune.pk,
            category="",
            latitude=report.latitude,
            longitude=report.longitude,
            submitted_at=instant,
            due_at=instant,
        )
        ioc_services.replay_report_fact(
            fact, written, self.horizon, world.unit_ids.__getitem__, self.judged_at
        )
        batch.rows[ReportFact].append(_row(ReportFact, fact))
        batch.count(fact.contributions)


REPORT_DETAILS = (
    "đề nghị cơ quan chức năng kiểm tra, xử lý sớm.",
    "tình trạng kéo dài nhiều ngày, ảnh hưởng đến việc đi lại của người dân.",
    "gây mất an toàn, nhất là vào ban đêm.",
    "người dân trong khu vực đã phản ánh nhiều lần.",
)


# ---- the run --------------------------------------------------------------------------------------------


def _spread(total: int, weights: list[float]) -> list[int]:
    """Splits `total` in proportion to `weights` (largest remainders), so the counts add up exactly."""
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    counts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _online_share(progress: float) -> dict[bool, float]:
    """Online submission grows over the years: for fully online procedures, and for partly online ones."""
    return {True: 0.45 + 0.35 * progress, False: 0.18 + 0.27 * progress}


def _prepare_consumer(now: datetime) -> periods.Period:
    ioc_services.consume_events(now=now, alerts=False)
    return periods.parse(ioc_services.roll_horizon(now=now))


def generate(
    *,
    dossiers: int,
    reports: int,
    months: int = 24,
    seed: int = 2026,
    now: datetime | None = None,
    batch_size: int = 20_000,
    workers: int = 1,
    defer_indexes: bool | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Writes `dossiers` dossiers and `reports` field reports spread over the last `months` months; with
    `defer_indexes` (by default when the run at least doubles the dossiers, on PostgreSQL) the loaded tables'
    secondary indexes are dropped meanwhile and rebuilt at the end (tinhso.generator.indexes)."""
    if settings.TINHSO_ENV == "production":
        raise InvalidInput("Không sinh dữ liệu mẫu trên hệ thống đang vận hành (TINHSO_ENV=production).")
    if dossiers < 0 or reports < 0 or months < 1:
        raise InvalidInput("Số hồ sơ, số phản ánh không được âm; số tháng ít nhất là 1.")
    started = time.monotonic()
    indexes.rebuild(workers=workers, log=log)  # what a killed run left dropped
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    horizon = _prepare_consumer(now)
    world = _world(rng)
    if reports and not world.categories:
        raise InvalidInput(
            "Chưa có lĩnh vực phản ánh hiện trường: chạy `tinhso load-demo` trước khi sinh dữ liệu."
        )
    deferring = indexes.worth_deferring(dossiers) if defer_indexes is None else defer_indexes
    # Each month of the history in its own partition of the event log (PostgreSQL), not in the default one.
    core_services.make_event_partitions(
        since=timezone.localdate(now) - timedelta(days=round(months * 30.44) + 31)
    )
    with indexes.set_aside(deferring, workers=workers, log=log), _fewer_collections():
        summary = Summary()
        wanted = max(20, (dossiers + reports) // DOSSIERS_PER_CITIZEN) if dossiers or reports else 0
        first = timezone.localdate(now) - timedelta(days=round(months * 30.44))
        registered_at = datetime.combine(first, datetime.min.time(), tzinfo=clock.local_zone())
        clock.prepare(first - CALENDAR_BEFORE, timezone.localdate(now) + CALENDAR_AHEAD)
        forget_promised_dates()
        replica = _may_skip_reference_checks()  # read once per run
        citizens = _citizens(world, wanted, rng, now, registered_at, replica)
        summary.citizens = len(citizens)
        log(f"{len(citizens):,} công dân sẵn sàng ({time.monotonic() - started:.1f} s)")
        plan = _plan(first, timezone.localdate(now), dossiers, reports)
        run = Run(
            world=world, citizens=citizens, now=now, horizon=horizon, first=first, seed=seed,
            judged_at=ioc_services.judging_instant(now=now),
            batch_size=batch_size, log=log, started=started, workers=workers, replica=replica,
        )  # fmt: skip
        if workers > 1 and connection.vendor == "postgresql":
            parts = _in_processes(plan, run)
        else:
            parts = [_write_days(plan, worker=0, run=run)]
        for part in parts:
            summary.dossiers += part.dossiers
            summary.reports += part.reports
            summary.events += part.events
            summary.batches += part.batches
    indexes.analyze(log=log)
    summary.seconds = time.monotonic() - started
    return summary


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A batch is millions of short-lived objects without reference cycles: collecting every 700 new objects
    (the default) walks the batch's live rows again and again, for nothing."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class Day:
    """One working day of history and the ids its dossiers and reports take."""

    index: int
    day: date
    dossiers: int
    first_dossier: int
    reports: int
    first_report: int
    online_share: dict[bool, float]  # by whether the procedure is fully online


def _plan(first: date, last: date, dossiers: int, reports: int) -> list[Day]:
    """Working days with their arrivals (growing over time) and id ranges reserved for them."""
    days = clock.working_days(first, last)
    growth = [1 + 0.6 * index / max(1, len(days) - 1) for index in range(len(days))]
    dossier_counts, report_counts = _spread(dossiers, growth), _spread(reports, growth)
    next_dossier, next_report = _reserve(Dossier, dossiers), _reserve(Report, reports)
    plan = []
    for index, day in enumerate(days):
        share = _online_share(index / max(1, len(days) - 1))
        plan.append(
            Day(index, day, dossier_counts[index], next_dossier, report_counts[index], next_report, share)
        )
        next_dossier += dossier_counts[index]
        next_report += report_counts[index]
    return plan


@dataclass(frozen=True)
class Run:
    """What every worker of one run shares (read once, or fixed for the run)."""

    world: World
    citizens: list[Citizen]
    now: datetime
    horizon: periods.Period
    first: date
    seed: int
    judged_at: datetime
    batch_size: int
    log: Callable[[str], None]
    started: float
    workers: int
    replica: bool


def _write_days(plan: list[Day], *, worker: int, run: Run) -> Summary:
    """Simulates and writes the days given, in order, one transaction per batch."""
    now, workers = run.now, run.workers
    rng = random.Random(run.seed * 7919 + worker)
    dossier_maker, report_maker = DossierMaker(run, rng), ReportMaker(run, rng)
    summary, ids = Summary(), dict[str, int]()
    batch = Batch(ids, replica=run.replica)
    for number, day in enumerate(plan):
        if number % workers != worker:
            continue
        ids.update(dossier=day.first_dossier, report=day.first_report)
        for arrival in dossier_maker.arrivals(day.day, day.dossiers, day.online_share):
            dossier_maker.make(batch, arrival)
        for _ in range(day.reports):
            report_maker.make(batch, day.day)
        summary.dossiers += day.dossiers
        summary.reports += day.reports
        if len(batch.heads) >= run.batch_size or number >= len(plan) - workers:
            with transaction.atomic():
                summary.events += batch.write(dossier_maker.code_counters, now)
            summary.batches += 1
            batch = Batch(ids, replica=run.replica)
            elapsed = time.monotonic() - run.started
            run.log(
                f"[{worker + 1}/{workers}] {day.day:%d/%m/%Y}: {summary.dossiers:,} hồ sơ, {summary.reports:,} phản ánh, "
                f"{summary.events:,} sự kiện ({elapsed:.0f} s)"
            )
    return summary


_FORKED: dict[str, Any] = {}


def _in_processes(plan: list[Day], run: Run) -> list[Summary]:
    """One worker process per share of the days (PostgreSQL only): each simulates and writes its own days
    on its own connection; they meet only on the counters, the checkpoint chain and the consumer's cursor."""
    connections.close_all()  # each child opens its own connection
    _FORKED.update(plan=plan, run=run)
    with multiprocessing.get_context("fork").Pool(run.workers) as pool:
        return pool.map(_work, range(run.workers))


_INHERITED: list[Any] = []


def _work(worker: int) -> Summary:
    # A forked child may find its parent's open connection (seen under the test runner although the parent
    # closed its own): it must not read replies meant for another process, nor free it (that would end the
    # parent's session), so it keeps it aside and opens its own.
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            _INHERITED.append(wrapper.connection)
            wrapper.connection = None
    try:
        return _write_days(_FORKED["plan"], worker=worker, run=_FORKED["run"])
    finally:
        connections.close_all()
