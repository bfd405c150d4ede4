"""Reads of the catalog. The catalog is public: these take no acting user."""

from django.db.models import Prefetch, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Bundle, Procedure, ProcessStep, RequiredDocument
from tinhso.catalog.services import search_key
from tinhso.core import caching
from tinhso.core.errors import NotFound


def search_procedures(*, query: str = "", sector: str = "", level: str = "") -> QuerySet[Procedure]:
    """Current versions whose code, name or sector contains every word of `query`, diacritics ignored."""
    procedures = Procedure.objects.filter(is_current=True).select_related("authority")
    for word in search_key(query).split():
        procedures = procedures.filter(search_text__contains=word)
    if sector:
        procedures = procedures.filter(sector=sector)
    if level:
        procedures = procedures.filter(level=level)
    return procedures.order_by("sector", "name", "code")


def sectors() -> list[str]:
    return list(
        Procedure.objects.filter(is_current=True)
        .order_by("sector")
        .values_list("sector", flat=True)
        .distinct()
    )


def _with_details(procedures: QuerySet[Procedure]) -> QuerySet[Procedure]:
    return procedures.select_related("authority").prefetch_related(
        Prefetch("documents", queryset=RequiredDocument.objects.order_by("order")),
        Prefetch("steps", queryset=ProcessStep.objects.select_related("unit").order_by("order")),
    )


def procedure_by_code(code: str, *, version: int | None = None) -> Procedure:
    """The current version of a procedure (or the given version), with its documents and steps."""
    procedures = Procedure.objects.filter(code=code)
    procedures = procedures.filter(version=version) if version else procedures.filter(is_current=True)
    procedure = _with_details(procedures).first()
    if procedure is None:
        raise NotFound(
            _("Không tìm thấy thủ tục có mã “%(code)s”."),
            code="procedure_not_found",
            params={"code": code},
            value=code,
        )
    return procedure


# A published version never changes (publishing only moves `is_current`), so a process keeps those it read.
_VERSIONS = caching.Kept("catalog.procedure_versions", max_entries=4_096)
# How long a submission may check its form against the version last seen current without asking again: a
# refusal under a version replaced less than this ago answers as if the request had come that much earlier;
# an acceptance is always under the current version (the write confirms it, `catalog.sql.still_current_sql`).
LAST_SEEN_SECONDS = 1.0
# The version each code had when this process last asked.
_LAST_CURRENT = caching.Kept("catalog.last_current", seconds=lambda: LAST_SEEN_SECONDS, max_entries=4_096)


@receiver(post_save, sender=Procedure)
def _forget_versions(**kwargs: object) -> None:
    # Ids can come back after a rollback (SQLite, tests): a new row empties the cache of its process.
    _VERSIONS.clear()
    _LAST_CURRENT.clear()


def current_procedure(code: str) -> Procedure:
    """The current version alone, for writes that need no documents or steps: which version is current is
    asked of the database every time (another process may have published), the version itself is cached."""
    current = Procedure.objects.filter(code=code, is_current=True)
    key = current.values_list("id", "version", "published_at").first()
    if key is None:
        _LAST_CURRENT.forget(code)
        raise NotFound(
            _("Không tìm thấy thủ tục có mã “%(code)s”."),
            code="procedure_not_found",
            params={"code": code},
            value=code,
        )
    procedure = _VERSIONS.get(key, lambda: Procedure.objects.select_related("authority").get(pk=key[0]))
    _LAST_CURRENT.put(code, procedure)
    return procedure


def last_seen_procedure(code: str) -> Procedure:
    """The version this process saw current less than LAST_SEEN_SECONDS ago, without a query, else the current
    one: for a write that confirms in its own statement that the version is still current."""
    seen = _LAST_CURRENT.peek(code)
    return seen if seen is not None else current_procedure(code)


def bundle_by_code(code: str) -> Bundle:
    bundle = Bundle.objects.prefetch_related("items").filter(code=code).first()
    if bundle is None:
        raise NotFound(
            _("Không tìm thấy nhóm thủ tục liên thông “%(code)s”."),
            code="bundle_not_found",
            params={"code": code},
        )
    return bundle


def bundles(*, containing: str = "") -> QuerySet[Bundle]:
    found = Bundle.objects.order_by("name")
    return found.filter(items__procedure_code=containing) if containing else found


def bundle_procedures(bundle: Bundle) -> list[Procedure]:
    return [procedure_by_code(item.procedure_code) for item in bundle.items.order_by("order")]
