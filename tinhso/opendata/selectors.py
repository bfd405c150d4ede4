"""Reads of open data with the caller's scope: what a person (or nobody, on the public portal and the CKAN API)
may see of the catalogue, the datastore's rows, usage statistics and the register of shared data."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, F, Field, Func, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from psycopg import sql

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Forbidden, InvalidInput, NotFound
from tinhso.core.lifecycle import Party, Transition
from tinhso.core.models import Domain, User
from tinhso.opendata import datastore, lifecycle, tables, tabular
from tinhso.opendata.models import (
    AccessRequest,
    Dataset,
    DatasetTag,
    DatastoreRow,
    Hit,
    LoadJob,
    Organization,
    Resource,
    ResourceVersion,
    SharedService,
    State,
)
from tinhso.opendata.text import words
from tinhso.opendata.vocabulary import AccessLevel

Actor = User | AnonymousUser | None
REVIEW_INTERVAL = timedelta(days=183)  # Decree 47/2020: the catalogue is reviewed at least every 6 months
ROWS_MAX = 1000  # package_search, as CKAN
DATASTORE_DEFAULT = 100
DATASTORE_MAX = 32000  # datastore_search, as CKAN's ckan.datastore.search.rows_max


def _official(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def may_edit(actor: Actor, organization: Organization) -> bool:
    user = _official(actor)
    return user is not None and core_selectors.may(
        user, domain=Domain.OPEN_DATA, action="edit", unit_id=organization.unit_id
    )


def may_review(actor: Actor, organization: Organization) -> bool:
    user = _official(actor)
    return user is not None and core_selectors.may(
        user, domain=Domain.OPEN_DATA, action="review", unit_id=organization.unit_id
    )


def is_party(actor: Actor, organization: Organization) -> Callable[[Party], bool]:
    """The lifecycle's party test for this actor and publisher (None: the platform's own jobs)."""

    def check(party: Party) -> bool:
        if actor is None:
            return True
        if party is lifecycle.REVIEWER or party is lifecycle.OWNER:
            return may_review(actor, organization)
        return may_edit(actor, organization)

    return check


def offered_actions(actor: Actor, dataset: Dataset) -> list[Transition]:
    return lifecycle.LIFECYCLE.offered(dataset.state, is_party(actor, dataset.organization))


def visible(actor: Actor) -> QuerySet[Dataset]:
    """Published open datasets for everyone; published shared ones for officials; every state of the
    datasets of the publishers an official edits or reviews."""
    public = Q(state=State.PUBLISHED, access_level=AccessLevel.OPEN)
    user = _official(actor)
    if user is None:
        return Dataset.objects.filter(public)
    own = Q(pk__in=editable(user).values("pk"))
    shared = Q(state=State.PUBLISHED, access_level=AccessLevel.SHARED)
    return Dataset.objects.filter(public | shared | own)


def editable(actor: Actor) -> QuerySet[Dataset]:
    """Every dataset, in any state, of the publishers the official edits or reviews for."""
    user = _official(actor)
    if user is None:
        return Dataset.objects.none()
    units = core_selectors.units_where(user, *lifecycle_roles(), domain=Domain.OPEN_DATA)
    return Dataset.objects.filter(organization__unit__in=units.values("pk"))


def lifecycle_roles() -> tuple[str, ...]:
    from tinhso.core import permissions

    return tuple(
        permissions.roles_for(Domain.OPEN_DATA, "edit") | permissions.roles_for(Domain.OPEN_DATA, "review")
    )


def dataset(actor: Actor, key: str) -> Dataset:
    """A dataset by its name or id that the actor may see; Forbidden for a shared one seen anonymously."""
    found = Dataset.objects.select_related("organization", "spatial").filter(_by_key(key)).first()
    if found is None:
        raise NotFound(
            _("Không tìm thấy bộ dữ liệu “%(key)s”."), code="dataset_not_found", params={"key": key}
        )
    if not visible(actor).filter(pk=found.pk).exists():
        if found.state == State.PUBLISHED and found.access_level == AccessLevel.SHARED:
            raise Forbidden(_("Bộ dữ liệu dùng chung chỉ dành cho cơ quan nhà nước."), code="shared_data")
        raise NotFound(
            _("Không tìm thấy bộ dữ liệu “%(key)s”."), code="dataset_not_found", params={"key": key}
        )
    return found


def _shown(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Datasets with what their pages and the API show: publisher, place, tags and resources' versions."""
    return datasets.select_related("organization", "spatial").prefetch_related(
        Prefetch("tags", queryset=DatasetTag.objects.order_by("name")),
        Prefetch("resources", queryset=Resource.objects.select_related("current")),
    )


def dataset_shown(actor: Actor, key: str) -> Dataset:
    return _shown(Dataset.objects.filter(pk=dataset(actor, key).pk)).get()


def theme_counts(actor: Actor) -> dict[str, int]:
    return dict(visible(actor).values_list("theme").annotate(n=Count("pk")).order_by())


def _by_key(key: str) -> Q:
    try:
        import uuid

        return Q(pk=uuid.UUID(key))
    except ValueError:
        return Q(name=key)


def organization(key: str) -> Organization:
    found = Organization.objects.select_related("unit").filter(name=key).first()
    if found is None and key.isdigit():
        found = Organization.objects.select_related("unit").filter(pk=int(key)).first()
    if found is None:
        raise NotFound(
            _("Không tìm thấy cơ quan “%(key)s”."), code="organization_not_found", params={"key": key}
        )
    return found


def resource(actor: Actor, key: str) -> Resource:
    try:
        import uuid

        pk = uuid.UUID(key)
    except ValueError:
        pk = None
    found = Resource.objects.select_related("dataset", "current").filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(
            _("Không tìm thấy tài nguyên “%(key)s”."), code="resource_not_found", params={"key": key}
        )
    dataset(actor, str(found.dataset_id))
    return found


# ---- search --------------------------------------------------------------------------------------------------

FACETS = {
    "organization": "organization__name",
    "tags": "tags__name",
    "groups": "theme",
    "theme": "theme",
    "res_format": "resources__format",
    "license_id": "license_id",
    "access_level": "access_level",
    "frequency": "frequency",
}
SORTS = {
    "name": "name",
    "title_string": "title",
    "title": "title",
    "metadata_modified": "modified_at",
    "metadata_created": "created_at",
    "score": "modified_at",  # no relevance ranking: the most recently changed first
}


@dataclass
class Search:
    count: int
    results: list[Dataset]
    facets: dict[str, list[tuple[str, int]]]


def search(
    actor: Actor,
    *,
    q: str = "",
    filters: dict[str, list[str]] | None = None,
    rows: int = 10,
    start: int = 0,
    sort: str = "",
    facet_fields: list[str] | None = None,
    facet_limit: int = 50,
) -> Search:
    """Datasets matching every word of `q` (folded: "truong hoc" finds "Trường học") and every filter, a page
    of them with their publisher, tags and resources in a fixed number of statements whatever `rows` is."""
    found = visible(actor)
    for word in words(q):
        found = found.filter(search_text__contains=word)
    for name, values in (filters or {}).items():
        if name not in FACETS:
            raise InvalidInput.on("fq", _("Không lọc được theo “%(name)s”."), params={"name": name})
        for value in values:
            found = found.filter(pk__in=Dataset.objects.filter(**{FACETS[name]: value}).values("pk"))
    ordering = _ordering(sort)
    page = list(_shown(found).order_by(*ordering)[start : start + min(max(rows, 0), ROWS_MAX)])
    facets = {}
    for name in facet_fields or []:
        if name not in FACETS:
            raise InvalidInput.on("facet.field", _("Không có nhóm “%(name)s”."), params={"name": name})
        counted = (
            Dataset.objects.filter(pk__in=found.values("pk"))
            .exclude(**{f"{FACETS[name]}__isnull": True})
            .values_list(FACETS[name])
            .annotate(n=Count("pk", distinct=True))
            .order_by("-n", FACETS[name])[:facet_limit]
        )
        facets[name] = [(str(value), count) for value, count in counted]
    return Search(count=found.count(), results=page, facets=facets)


def _ordering(sort: str) -> list[str]:
    if not sort.strip():
        return ["-modified_at", "name"]
    ordering = []
    for part in sort.split(","):
        pieces = part.split()
        if (
            not pieces
            or pieces[0] not in SORTS
            or len(pieces) > 2
            or (len(pieces) == 2 and pieces[1] not in ("asc", "desc"))
        ):
            raise InvalidInput.on(
                "sort", _("Không sắp xếp được theo “%(sort)s”."), params={"sort": part.strip()}
            )
        ordering.append(("-" if len(pieces) == 2 and pieces[1] == "desc" else "") + SORTS[pieces[0]])
    return [*ordering, "name"]


def tag_names(actor: Actor, *, query: str = "") -> list[str]:
    tags = DatasetTag.objects.filter(dataset__in=visible(actor).values("pk"))
    if query:
        tags = tags.filter(name__icontains=query)
    return list(tags.values_list("name", flat=True).distinct().order_by("name"))


def organizations_with_counts(actor: Actor) -> list[tuple[Organization, int]]:
    counts = dict(visible(actor).values_list("organization").annotate(n=Count("pk")).order_by())
    return [(org, counts.get(org.pk, 0)) for org in Organization.objects.order_by("name")]


# ---- datastore -----------------------------------------------------------------------------------------------


@dataclass
class Page:
    resource: Resource
    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    limit: int
    offset: int
    total: int | None
    last_row: int | None
    keyset: bool


def _typed(value: Any, kind: str, column: str) -> Any:
    """A filter's value as the column holds it (dates in ISO form); a clear refusal when it cannot be."""
    if value is None:
        return None
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() else number
        if kind in ("date", "datetime"):
            return tabular.convert(str(value).strip(), kind)
    except (TypeError, ValueError):
        raise InvalidInput.on(
            "filters",
            _("Giá trị “%(value)s” của cột “%(column)s” phải là %(kind)s."),
            params={"value": value, "column": column, "kind": datastore.KIND_WORDS[kind]},
        ) from None
    return str(value)


@dataclass
class _Query:
    """A datastore_search asked of one version, its names checked against the version's fields."""

    version: ResourceVersion
    kinds: dict[str, str]
    filters: dict[str, list[Any]]  # column ("_id" too) to the values any of which a row has
    q: str | dict[str, str]
    chosen: list[str]
    ordering: list[str]  # "row" / "-row" / "col:<name>" / "-col:<name>"
    limit: int
    offset: int
    after: int | None
    include_total: bool

    @property
    def narrowed(self) -> bool:
        return bool(self.filters) or bool(self.q if isinstance(self.q, dict) else words(self.q))


def datastore_page(
    actor: Actor,
    *,
    resource_id: str,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, str] = "",
    fields: list[str] | None = None,
    sort: str = "",
    limit: int | None = None,
    offset: int = 0,
    after: int | None = None,
    include_total: bool = True,
) -> Page:
    """A page of a resource's current rows. Ordered by `_id` (the default), a page after row N seeks to it
    (`after`, or the offset itself when nothing filters, since `_id` runs 1, 2, 3... without gaps)."""
    found = resource(actor, resource_id)
    version = found.current
    if version is None:
        raise NotFound(_("Tài nguyên chưa có dữ liệu trong kho dữ liệu."), code="datastore_inactive")
    kinds = {field["name"]: field["type"] for field in version.fields}
    wanted: dict[str, list[Any]] = {}
    for column, value in (filters or {}).items():
        if column != "_id" and column not in kinds:
            raise InvalidInput.on("filters", _("Không có cột “%(column)s”."), params={"column": column})
        kind = "integer" if column == "_id" else kinds[column]
        wanted[column] = [
            _typed(item, kind, column) for item in (value if isinstance(value, list) else [value])
        ]
    if isinstance(q, dict):
        for column in q:
            if column not in kinds:
                raise InvalidInput.on("q", _("Không có cột “%(column)s”."), params={"column": column})
    query = _Query(
        version, kinds, wanted, q, _fields(fields, kinds), _datastore_ordering(sort, kinds),
        DATASTORE_DEFAULT if limit is None else max(0, min(limit, DATASTORE_MAX)), offset, after, include_total,
    )  # fmt: skip
    records, total = (_table_page if tables.used() else _json_page)(query)
    if total is None and include_total and not query.narrowed:
        total = version.rows  # every row: counted when loaded
    shown = [{"id": "_id", "type": "int"}] + [
        {"id": name, "type": _ckan_type(kinds[name])} for name in query.chosen
    ]
    last_row = records[-1]["_id"] if records else None
    return Page(found, shown, records, query.limit, offset, total, last_row, query.ordering == ["row"])


def _keyset(query: _Query) -> int | None:
    """The `_id` a page starts after when it can seek there, else None (an OFFSET is needed)."""
    if query.ordering != ["row"] or (query.after is None and query.narrowed):
        return None
    return query.after if query.after is not None else query.offset


def _json_page(query: _Query) -> tuple[list[dict[str, Any]], int | None]:
    """SQLite's store: rows as JSON, filtered and sorted by JSON paths."""
    rows = DatastoreRow.objects.filter(version=query.version)
    for index, (column, values) in enumerate(query.filters.items()):
        rows = rows.filter(row__in=values) if column == "_id" else _equal_to(rows, column, values, index)
    if isinstance(query.q, dict):
        for index, (column, text) in enumerate(query.q.items()):
            alias = f"q_{index}"
            rows = rows.alias(**{alias: KeyTextTransform(column, "data")}).filter(
                **{f"{alias}__icontains": text}
            )
    else:
        for word in words(query.q):
            rows = rows.filter(folded__contains=word)
    total = rows.count() if query.include_total and query.narrowed else None
    start = _keyset(query)
    if start is not None:
        page_rows = rows.filter(row__gt=start).order_by("row")[: query.limit]
    else:
        ordered = rows.alias(**_sort_aliases(query.ordering)).order_by(*_sort_names(query.ordering), "row")
        page_rows = ordered[query.offset : query.offset + query.limit]
    records = []
    for number, data in page_rows.values_list("row", "data"):
        record = {"_id": number}
        record.update({name: data.get(name) for name in query.chosen})
        records.append(record)
    return records, total


def _table_page(query: _Query) -> tuple[list[dict[str, Any]], int | None]:
    """PostgreSQL's store: the version's typed table, each name mapped to its column `cN`."""
    position = {name: index for index, name in enumerate(query.kinds)}
    where: list[sql.Composable] = []
    params: list[Any] = []
    for column, values in query.filters.items():
        target = sql.Identifier("_id") if column == "_id" else tables.column(position[column])
        kind = "integer" if column == "_id" else query.kinds[column]
        where.append(sql.SQL("{} = ANY(%s::{}[])").format(target, sql.SQL(tables.PG_TYPES[kind])))
        params.append(values)
    if isinstance(query.q, dict):
        for column, text in query.q.items():
            where.append(
                sql.SQL("strpos(lower({}::text), lower(%s)) > 0").format(tables.column(position[column]))
            )
            params.append(text)
    else:
        for word in words(query.q):
            where.append(sql.SQL("strpos({}, %s) > 0").format(tables.folded(len(position))))
            params.append(word)
    name = tables.table(query.version.pk)
    condition: sql.Composable = sql.SQL(" AND ").join(where) if where else sql.SQL("true")
    total = None
    if query.include_total and query.narrowed:
        counted = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(name, condition)
        total = tables.execute(counted, params)[0][0]
    start = _keyset(query)
    if start is not None:
        condition = sql.SQL("{} AND _id > %s").format(condition)
        tail: sql.Composable = sql.SQL("ORDER BY _id LIMIT %s")
        page_params = [*params, start, query.limit]
    else:
        tail = sql.SQL("ORDER BY {}, _id LIMIT %s OFFSET %s").format(_table_ordering(query, position))
        page_params = [*params, query.limit, query.offset]
    chosen = sql.SQL("").join(sql.SQL(", ") + tables.column(position[item]) for item in query.chosen)
    statement = sql.SQL("SELECT _id{} FROM {} WHERE {} {}").format(chosen, name, condition, tail)
    records = []
    for row in tables.execute(statement, page_params):
        record = {"_id": row[0]}
        record.update({item: tables.value(cell) for item, cell in zip(query.chosen, row[1:], strict=True)})
        records.append(record)
    return records, total


def _table_ordering(query: _Query, position: dict[str, int]) -> sql.Composable:
    """The sort in SQL, nulls placed as JSON places them (before every value)."""
    parts: list[sql.Composable] = []
    for item in query.ordering:
        descending = item.startswith("-")
        name = item.lstrip("-")
        if name == "row":  # never null: plain, so the key's index gives the order
            parts.append(sql.SQL("_id DESC" if descending else "_id"))
            continue
        target = tables.column(position[name[4:]])
        parts.append(sql.SQL("{} DESC NULLS LAST" if descending else "{} ASC NULLS FIRST").format(target))
    return sql.SQL(", ").join(parts)


def _ckan_type(kind: str) -> str:
    from tinhso.opendata.tabular import CKAN_TYPES

    return CKAN_TYPES[kind]


def _value_of(column: str, *, text: bool = False) -> Any:
    """The column's value in a row. On SQLite by a path written out here: Django's own escapes non-ASCII
    keys (\\uXXXX), which SQLite's JSON paths do not read, so "Cấp học" would match nothing."""
    if connection.vendor == "sqlite":
        path = '$."' + column + '"'
        return Func(
            F("data"), Value(path), function="JSON_EXTRACT", output_field=TextField() if text else Field()
        )
    return KeyTextTransform(column, "data") if text else KeyTransform(column, "data")


def _equal_to(
    rows: QuerySet[DatastoreRow], column: str, values: list[Any], index: int
) -> QuerySet[DatastoreRow]:
    if connection.vendor == "postgresql":
        condition = Q()
        for value in values:
            condition |= Q(data__contains={column: value})  # answered by the GIN index
        return rows.filter(condition)
    alias = f"filter_{index}"
    return rows.alias(**{alias: _value_of(column)}).filter(**{f"{alias}__in": values})


def _fields(fields: list[str] | None, kinds: dict[str, str]) -> list[str]:
    if not fields:
        return list(kinds)
    unknown = [name for name in fields if name not in kinds and name != "_id"]
    if unknown:
        raise InvalidInput.on("fields", _("Không có cột “%(column)s”."), params={"column": unknown[0]})
    return [name for name in fields if name != "_id"]


def _datastore_ordering(sort: str, kinds: dict[str, str]) -> list[str]:
    if not sort.strip():
        return ["row"]
    ordering = []
    for part in sort.split(","):
        part = part.strip()
        descending = part.lower().endswith(" desc")
        name = part.rsplit(" ", 1)[0] if part.lower().endswith((" desc", " asc")) else part
        name = name.strip().strip('"')
        if name == "_id":
            ordering.append("-row" if descending else "row")
            continue
        if name not in kinds:
            raise InvalidInput.on("sort", _("Không có cột “%(column)s”."), params={"column": name})
        ordering.append(("-" if descending else "") + "col:" + name)
    return ordering


def _sort_aliases(ordering: list[str]) -> dict[str, Any]:
    return {
        f"sort_{index}": _value_of(item.lstrip("-")[4:])
        for index, item in enumerate(ordering)
        if item.lstrip("-").startswith("col:")
    }


def _sort_names(ordering: list[str]) -> list[str]:
    names = []
    for index, item in enumerate(ordering):
        sign = "-" if item.startswith("-") else ""
        names.append(f"{sign}sort_{index}" if item.lstrip("-").startswith("col:") else item)
    return names


def all_rows(actor: Actor, resource_id: str) -> tuple[Resource, list[str], Any]:
    """A resource's columns and an iterator over every row's values, for downloads."""
    found = resource(actor, resource_id)
    if found.current is None:
        raise NotFound(_("Tài nguyên chưa có dữ liệu trong kho dữ liệu."), code="datastore_inactive")
    columns = [field["name"] for field in found.current.fields]
    return found, columns, datastore.rows(found.current.pk, found.current.fields)


def job_of(version: ResourceVersion) -> LoadJob | None:
    return LoadJob.objects.filter(version=version).first()


def latest_versions(resource: Resource) -> list[ResourceVersion]:
    return list(resource.versions.select_related("job").order_by("-number")[:10])


def pii_findings(dataset: Dataset) -> list[dict[str, Any]]:
    """What the personal-data guard found in the current version of each of the dataset's resources."""
    found = []
    for item in dataset.resources.select_related("current"):
        if item.current is not None:
            found += [finding | {"resource": item.name} for finding in item.current.findings]
    return found


# ---- statistics ----------------------------------------------------------------------------------------------


def review_overdue(*, now: datetime | None = None) -> QuerySet[Dataset]:
    """Published datasets not reviewed within 6 months."""
    limit = (now or timezone.now()) - REVIEW_INTERVAL
    return Dataset.objects.filter(state=State.PUBLISHED).filter(
        Q(reviewed_at__lt=limit) | Q(reviewed_at__isnull=True, published_at__lt=limit)
    )


@dataclass
class Statistics:
    per_organization: list[tuple[str, int]]
    per_theme: list[tuple[str, int]]
    downloads: int
    api_calls: int
    overdue: list[Dataset]


def statistics(*, now: datetime | None = None) -> Statistics:
    published = Dataset.objects.filter(state=State.PUBLISHED)
    per_org = (
        published.values_list("organization__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "organization__title")
    )
    per_theme = published.values_list("theme").annotate(n=Count("pk")).order_by("-n", "theme")
    hits = dict(Hit.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    return Statistics(
        per_organization=list(per_org),
        per_theme=list(per_theme),
        downloads=hits.get(Hit.Kind.DOWNLOAD, 0),
        api_calls=hits.get(Hit.Kind.API, 0),
        overdue=list(
            review_overdue(now=now).select_related("organization").order_by("reviewed_at", "published_at")
        ),
    )


# ---- shared data ---------------------------------------------------------------------------------------------


def may_answer(actor: Actor, request: AccessRequest) -> bool:
    return may_review(actor, Organization(unit_id=request.service.database.owner_id))


def access_requests_for(actor: Actor) -> list[AccessRequest]:
    """Requests the official's agencies made, and those made to the databases they answer for."""
    user = _official(actor)
    if user is None:
        return []
    units = core_selectors.units_where(user, *lifecycle_roles(), domain=Domain.OPEN_DATA).values("pk")
    return list(
        AccessRequest.objects.filter(Q(requester__in=units) | Q(service__database__owner__in=units))
        .select_related("service__database__owner", "requester")
        .order_by("-requested_at")[:200]
    )


def offered_answers(actor: Actor, request: AccessRequest) -> list[Transition]:
    return lifecycle.ACCESS_LIFECYCLE.offered(request.state, lambda party: may_answer(actor, request))


def overdue_requests(*, now: datetime | None = None) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(state=AccessRequest.State.PENDING, due_at__lt=now or timezone.now())


def access_granted(*, unit_code: str, service_code: str, scope: str | None = None) -> bool:
    """Whether the agency holds approved access to the shared service (with `scope` when given): the
    interface the integration app's credentials call to enforce access to shared data."""
    granted = AccessRequest.objects.filter(
        requester__code=unit_code, service__code=service_code, state=AccessRequest.State.APPROVED
    ).values_list("scopes", flat=True)
    return any(scope is None or scope in scopes for scopes in granted)


def services_of_register() -> QuerySet[SharedService]:
    return SharedService.objects.select_related("database", "database__owner").order_by(
        "database__name", "code"
    )
