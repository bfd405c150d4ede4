"""JSON API of the catalog (public): search procedures and read one procedure."""

from datetime import time
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from tinhso.catalog import selectors
from tinhso.catalog.models import Procedure

router = Router(tags=["catalog"])


class ProcedureSummary(Schema):
    code: str
    code_is_national: bool
    version: int
    name: str
    sector: str
    level: str
    authority_name: str
    processing_days: int
    processing_hours: Decimal
    online_level: str


class RequiredDocumentOut(Schema):
    order: int
    name: str
    mandatory: bool
    form: str
    reusable_from: str


class StepOut(Schema):
    order: int
    name: str
    role: str
    unit_kind: str
    unit_code: str | None
    hours: Decimal

    @staticmethod
    def resolve_unit_code(step) -> str | None:
        return step.unit.code if step.unit else None


class ProcedureDetail(ProcedureSummary):
    authority_code: str | None
    cutoff_time: time | None
    fee: Decimal | None
    fee_note: str
    result_name: str
    legal_basis: str
    form_schema: dict
    documents: list[RequiredDocumentOut]
    steps: list[StepOut]

    @staticmethod
    def resolve_authority_code(procedure: Procedure) -> str | None:
        return procedure.authority.code if procedure.authority else None

    @staticmethod
    def resolve_documents(procedure: Procedure) -> list:
        return list(procedure.documents.all())

    @staticmethod
    def resolve_steps(procedure: Procedure) -> list:
        return list(procedure.steps.all())


class CatalogPages(PageNumberPagination):
    """Pages of the catalog; a page number past any catalog is refused before it becomes an OFFSET that
    overflows the database's integers."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=10_000)
        page_size: int | None = Field(None, ge=1)


class SearchParams(Schema):
    q: str = ""
    sector: str = ""
    level: str = ""


@router.get("/procedures", response=list[ProcedureSummary], auth=None, summary="Search procedures")
@paginate(CatalogPages, page_size=20)
def search(request: HttpRequest, filters: Query[SearchParams]):
    return selectors.search_procedures(query=filters.q, sector=filters.sector, level=filters.level)


@router.get(
    "/procedures/{code}", response=ProcedureDetail, auth=None, summary="One procedure, current version"
)
def detail(request: HttpRequest, code: str, version: int | None = None) -> Procedure:
    return selectors.procedure_by_code(code, version=version)
