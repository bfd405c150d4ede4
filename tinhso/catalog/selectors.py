"""Reads of the catalog. The catalog is public: these take no acting user."""

from django.db.models import Prefetch, QuerySet

from tinhso.catalog.models import Bundle, Procedure, ProcessStep, RequiredDocument
from tinhso.catalog.services import search_key
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
        raise NotFound(f"Không tìm thấy thủ tục có mã “{code}”.", code="procedure_not_found", value=code)
    return procedure


def current_procedure(code: str) -> Procedure:
    """The current version alone, in one query, for writes that need no documents or steps."""
    procedure = Procedure.objects.select_related("authority").filter(code=code, is_current=True).first()
    if procedure is None:
        raise NotFound(f"Không tìm thấy thủ tục có mã “{code}”.", code="procedure_not_found", value=code)
    return procedure


def bundle_by_code(code: str) -> Bundle:
    bundle = Bundle.objects.prefetch_related("items").filter(code=code).first()
    if bundle is None:
        raise NotFound(f"Không tìm thấy nhóm thủ tục liên thông “{code}”.", code="bundle_not_found")
    return bundle


def bundles(*, containing: str = "") -> QuerySet[Bundle]:
    found = Bundle.objects.order_by("name")
    return found.filter(items__procedure_code=containing) if containing else found


def bundle_procedures(bundle: Bundle) -> list[Procedure]:
    return [procedure_by_code(item.procedure_code) for item in bundle.items.order_by("order")]
