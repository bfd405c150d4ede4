"""JSON API of dossiers: submission (with Idempotency-Key), reading, citizens' and officials' actions,
public tracking and the national status export. Every rule lives in the services."""

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Response, Status
from pydantic import AliasPath, StringConstraints

from tinhso.core.api import ActionOut, action_rows, bearer_auth
from tinhso.core.auth import SignedInRequest
from tinhso.core.schema_types import FreeText, Instant, Version, column_length
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.models import Status as DossierStatus

router = Router(tags=["dossiers"], auth=bearer_auth)
JSON_CONTENT_TYPE = "application/json; charset=utf-8"  # Ninja's, for an answer written without its renderer
ResultNote = Annotated[str, Form(max_length=column_length(Dossier, "result_note"))]
RatingComment = Annotated[str, StringConstraints(max_length=column_length(Dossier, "rating_comment"))]


class DossierDocumentOut(Schema):
    name: str
    content_type: str
    size: int
    sha256: str
    requirement: int | None


class DossierOut(Schema):
    code: str
    procedure_code: str = Field(validation_alias=AliasPath("procedure", "code"))
    procedure_version: int = Field(validation_alias=AliasPath("procedure", "version"))
    procedure_name: str = Field(validation_alias=AliasPath("procedure", "name"))
    receiving_unit: str = Field(validation_alias=AliasPath("receiving_unit", "code"))
    authority_unit: str = Field(validation_alias=AliasPath("authority_unit", "code"))
    channel: int
    status: int
    status_label: str
    version: int
    form_data: dict
    group_code: str
    submitted_at: datetime
    acknowledge_due_at: datetime | None
    accepted_at: datetime | None
    promised_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    current_step: int | None
    current_step_name: str | None
    current_unit: str | None
    step_due_at: datetime | None
    consulted_unit: str | None
    consult_due_at: datetime | None
    rating: int | None
    documents: list[DossierDocumentOut]  # Ninja lists a related manager

    @staticmethod
    def resolve_status_label(dossier: Dossier) -> str:
        # Not get_status_display: it hashes every choice's lazy label, one translation each, for every row.
        return str(DossierStatus(dossier.status).label)

    @staticmethod
    def resolve_current_step(dossier: Dossier) -> int | None:
        return dossier.current_step.order if dossier.current_step else None

    @staticmethod
    def resolve_current_step_name(dossier: Dossier) -> str | None:
        return dossier.current_step.display_name if dossier.current_step else None

    @staticmethod
    def resolve_consulted_unit(dossier: Dossier) -> str | None:
        return dossier.consulted_unit.code if dossier.consulted_unit else None

    @staticmethod
    def resolve_current_unit(dossier: Dossier) -> str | None:
        return dossier.current_unit.code if dossier.current_unit else None


class QueueItemOut(Schema):
    dossier: DossierOut
    due_at: datetime | None
    overdue: bool
    near_due: bool


class SubmitIn(Schema):
    procedure_code: str
    form_data: dict
    receiving_unit: str | None = None
    authority_unit: str | None = None
    channel: int | None = None
    applicant_citizen_id: str | None = None


class BundleIn(Schema):
    bundle_code: str
    receiving_unit: str
    forms: dict[str, dict]


class VersionIn(Schema):
    version: Version


class ReasonIn(VersionIn):
    reason: FreeText


class NoteIn(VersionIn):
    note: FreeText = ""


class ForwardIn(NoteIn):
    assignee: int | None = None


class SendBackIn(ReasonIn):
    to_step: int | None = None


class ApologyIn(ReasonIn):
    new_promised_at: Instant


class SupplementAnswerIn(VersionIn):
    form_data: dict | None = None
    note: FreeText = ""


class ConsultIn(VersionIn):
    unit_code: str
    question: FreeText
    days: int = 3


class ConsultAnswerIn(VersionIn):
    answer: FreeText


class PaymentIn(VersionIn):
    amount: int
    note: FreeText = ""


class ReceiptIn(VersionIn):
    receipt: FreeText


class WithdrawIn(VersionIn):
    reason: FreeText = ""


class RateIn(VersionIn):
    rating: int
    comment: RatingComment = ""


class HistoryOut(Schema):
    action: str
    at: datetime


class TrackingOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    receiving_unit: str
    current_unit: str | None
    status: int
    status_label: str
    submitted_at: datetime
    accepted_at: datetime | None
    promised_at: datetime | None
    returned_at: datetime | None
    history: list[HistoryOut]


class NationalStatusOut(Schema):
    MaHoSo: str
    MaTTHC: str
    TrangThaiHoSo: int
    KenhThucHien: int
    NgayNopHoSo: datetime
    NgayTiepNhan: datetime | None
    NgayHenTra: datetime | None
    NgayKetThucXuLy: datetime | None
    NgayTra: datetime | None
    DonViTiepNhan: str


@router.post("", response={200: DossierOut, 201: DossierOut}, summary="Submit a dossier")
def submit(request: SignedInRequest, body: SubmitIn):
    """A retried request with the same `Idempotency-Key` header answers 200 with the first dossier."""
    dossier, created = services.submit_dossier(
        actor=request.auth,
        procedure_code=body.procedure_code,
        form_data=body.form_data,
        receiving_unit_code=body.receiving_unit,
        authority_unit_code=body.authority_unit,
        channel=body.channel,
        applicant_citizen_id=body.applicant_citizen_id,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return _submitted(dossier) if created else Status(200, dossier)


def _submitted(dossier: Dossier) -> Response:
    """The 201 answer for a dossier just submitted (no step, no documents yet): DossierOut's fields in its
    order, encoded as Ninja's renderer does, without a schema instance and Ninja's dump of it, which cost
    more Python than the rest of the answer."""
    procedure = dossier.procedure
    fields = {
        "code": dossier.code,
        "procedure_code": procedure.code,
        "procedure_version": procedure.version,
        "procedure_name": procedure.name,
        "receiving_unit": dossier.receiving_unit.code,
        "authority_unit": dossier.authority_unit.code,
        "channel": dossier.channel,
        "status": dossier.status,
        "status_label": str(DossierStatus(dossier.status).label),
        "version": dossier.version,
        "form_data": dossier.form_data,
        "group_code": dossier.group_code,
        "submitted_at": dossier.submitted_at,
        "acknowledge_due_at": dossier.acknowledge_due_at,
        "accepted_at": dossier.accepted_at,
        "promised_at": dossier.promised_at,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "current_step": None,
        "current_step_name": None,
        "current_unit": None,
        "step_due_at": dossier.step_due_at,
        "consulted_unit": None,
        "consult_due_at": dossier.consult_due_at,
        "rating": dossier.rating,
        "documents": [],
    }
    return Response(fields, status=201, content_type=JSON_CONTENT_TYPE)


@router.post("/bundles", response={201: list[DossierOut]}, summary="Submit a bundle of linked dossiers")
def submit_bundle(request: SignedInRequest, body: BundleIn):
    dossiers = services.submit_bundle(
        actor=request.auth,
        bundle_code=body.bundle_code,
        forms=body.forms,
        receiving_unit_code=body.receiving_unit,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return Status(201, dossiers)


@router.get("/mine", response=list[DossierOut], summary="The signed-in citizen's dossiers")
def mine(request: SignedInRequest):
    return selectors.citizen_dossiers(actor=request.auth)


@router.get(
    "/queue",
    response=list[QueueItemOut],
    summary="The signed-in official's work queue, a page at a time",
    description=(
        "Soonest due first, at most `size` dossiers (default 50) after `cursor`. The `X-Total-Count` "
        "header tells how many dossiers the whole queue holds; while more follow, the `Link` header "
        'carries the next page\'s URL with `rel="next"` (its `cursor` is opaque).'
    ),
)
def queue(
    request: SignedInRequest,
    response: HttpResponse,
    cursor: str = "",
    size: int | None = Query(None, ge=1, le=200, description="Dossiers per page, 50 if not given"),
):
    size = size or selectors.PAGE_SIZE
    page = selectors.official_queue_page_in_full(actor=request.auth, cursor=cursor, size=size)
    response["X-Total-Count"] = str(page.total)
    if page.next_cursor:
        following = request.build_absolute_uri(f"?{urlencode({'cursor': page.next_cursor, 'size': size})}")
        response["Link"] = f'<{following}>; rel="next"'
    return page.items


@router.get(
    "/export/national-status", response=list[NationalStatusOut], summary="Dossiers in national status codes"
)
def national_status(request: SignedInRequest, since: Instant | None = None):
    return selectors.national_status_export(actor=request.auth, since=since)


@router.get("/tracking/{code}", response=TrackingOut, auth=None, summary="Public tracking by dossier code")
def track(request: HttpRequest, code: str) -> dict:
    return selectors.tracking(code=code)


@router.get("/{code}", response=DossierOut, summary="One dossier")
def detail(request: SignedInRequest, code: str) -> Dossier:
    return selectors.dossier_for(actor=request.auth, code=code)


# Where an action's path is not its name with dashes.
PATHS = {"return_result": "return", "attach_documents": "documents"}


@router.get("/{code}/actions", response=list[ActionOut], summary="What the caller may do now, expected first")
def actions(request: SignedInRequest, code: str) -> list[dict[str, object]]:
    dossier = selectors.dossier_for(actor=request.auth, code=code)
    return action_rows(
        selectors.offered_actions(actor=request.auth, dossier=dossier),
        path_of=lambda row: f"/api/v1/dossiers/{code}/{PATHS.get(row.action, row.slug)}",
    )


@router.post("/{code}/accept", response=DossierOut, summary="Accept (form 1)")
def accept(request: SignedInRequest, code: str, body: VersionIn) -> Dossier:
    return services.accept(actor=request.auth, code=code, version=body.version)


@router.post("/{code}/refuse", response=DossierOut, summary="Refuse to accept (form 3)")
def refuse(request: SignedInRequest, code: str, body: ReasonIn) -> Dossier:
    return services.refuse(actor=request.auth, code=code, version=body.version, reason=body.reason)


@router.post("/{code}/request-supplement", response=DossierOut, summary="Request a supplement (form 2)")
def request_supplement(request: SignedInRequest, code: str, body: ReasonIn) -> Dossier:
    return services.request_supplement(
        actor=request.auth, code=code, version=body.version, reason=body.reason
    )


@router.post("/{code}/answer-supplement", response=DossierOut, summary="Answer a supplement request")
def answer_supplement(request: SignedInRequest, code: str, body: SupplementAnswerIn) -> Dossier:
    return services.answer_supplement(
        actor=request.auth, code=code, version=body.version, form_data=body.form_data, note=body.note
    )


@router.post("/{code}/forward", response=DossierOut, summary="Forward to the next step")
def forward(request: SignedInRequest, code: str, body: ForwardIn) -> Dossier:
    return services.forward(
        actor=request.auth, code=code, version=body.version, note=body.note, assignee_id=body.assignee
    )


@router.post("/{code}/send-back", response=DossierOut, summary="Send back to an earlier step")
def send_back(request: SignedInRequest, code: str, body: SendBackIn) -> Dossier:
    return services.send_back(
        actor=request.auth, code=code, version=body.version, reason=body.reason, to_step=body.to_step
    )


@router.post("/{code}/apologize", response=DossierOut, summary="Apologise with a new date (form 4)")
def apologize(request: SignedInRequest, code: str, body: ApologyIn) -> Dossier:
    return services.apologize(
        actor=request.auth,
        code=code,
        version=body.version,
        new_promised_at=body.new_promised_at,
        reason=body.reason,
    )


@router.post("/{code}/consult", response=DossierOut, summary="Ask another agency's opinion (liên thông)")
def consult(request: SignedInRequest, code: str, body: ConsultIn) -> Dossier:
    return services.consult(
        actor=request.auth,
        code=code,
        version=body.version,
        unit_code=body.unit_code,
        question=body.question,
        days=body.days,
    )


@router.post("/{code}/answer-consultation", response=DossierOut, summary="Answer a consultation")
def answer_consultation(request: SignedInRequest, code: str, body: ConsultAnswerIn) -> Dossier:
    return services.answer_consultation(
        actor=request.auth, code=code, version=body.version, answer=body.answer
    )


@router.post("/{code}/request-payment", response=DossierOut, summary="Ask for fees or taxes (status 6)")
def request_payment(request: SignedInRequest, code: str, body: PaymentIn) -> Dossier:
    return services.request_payment(
        actor=request.auth, code=code, version=body.version, amount=body.amount, note=body.note
    )


@router.post("/{code}/confirm-payment", response=DossierOut, summary="Record the payment; the clock resumes")
def confirm_payment(request: SignedInRequest, code: str, body: ReceiptIn) -> Dossier:
    return services.confirm_payment(actor=request.auth, code=code, version=body.version, receipt=body.receipt)


@router.post("/{code}/stop", response=DossierOut, summary="Stop handling (form 5)")
def stop(request: SignedInRequest, code: str, body: ReasonIn) -> Dossier:
    return services.stop(actor=request.auth, code=code, version=body.version, reason=body.reason)


@router.post("/{code}/finish", response=DossierOut, summary="Record the result (PDF upload)")
def finish(
    request: SignedInRequest,
    code: str,
    version: Form[Version],
    result_file: File[UploadedFile],
    note: ResultNote = "",
) -> Dossier:
    return services.finish(actor=request.auth, code=code, version=version, result_file=result_file, note=note)


@router.post("/{code}/documents", response=DossierOut, summary="Attach documents (applicant; PDF, JPEG, PNG)")
def attach(
    request: SignedInRequest,
    code: str,
    version: Form[Version],
    files: File[list[UploadedFile]],
    requirement: Form[int | None] = None,
) -> Dossier:
    """`requirement` is the order of the procedure's required document the files are: an online dossier is
    accepted only once each document the applicant must provide has its file."""
    return services.attach_documents(
        actor=request.auth, code=code, version=version, attachments=files, requirement=requirement
    )


@router.post("/{code}/return", response=DossierOut, summary="Return the result to the applicant")
def return_result(request: SignedInRequest, code: str, body: VersionIn) -> Dossier:
    return services.return_result(actor=request.auth, code=code, version=body.version)


@router.post("/{code}/withdraw", response=DossierOut, summary="Withdraw (applicant)")
def withdraw(request: SignedInRequest, code: str, body: WithdrawIn) -> Dossier:
    return services.withdraw(actor=request.auth, code=code, version=body.version, reason=body.reason)


@router.post("/{code}/rate", response=DossierOut, summary="Rate the service (applicant)")
def rate(request: SignedInRequest, code: str, body: RateIn) -> Dossier:
    return services.rate(
        actor=request.auth, code=code, version=body.version, rating=body.rating, comment=body.comment
    )
