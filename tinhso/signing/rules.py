"""What the platform signs by itself, and after which event: the result recorded at the last step
(dossier.finished) and the desk's forms 01–05 of Circular 03/2025 when the event that produces each is written.
Each rule reads the event and returns the document to sign, or None when there is nothing to sign."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tinhso.core.models import Event, User
from tinhso.dossiers import documents
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.lifecycle import FORMS
from tinhso.receipts import documents as receipt_documents
from tinhso.receipts import events as receipt_events
from tinhso.receipts import selectors as receipt_selectors
from tinhso.signing.models import SignedDocument

RESULT_REASON = "Ký số kết quả giải quyết thủ tục hành chính"
FORM_REASON = "Ký số văn bản của Bộ phận Một cửa"
RECEIPT_REASON = "Ký số biên lai thu phí, lệ phí"


@dataclass(frozen=True)
class ToSign:
    pdf: bytes
    kind: str
    subject: str
    part: str
    title: str
    reason: str
    owner: User | None


def _result(event: Event) -> ToSign | None:
    dossier = dossier_selectors.for_signing(code=event.payload["code"])
    if dossier is None or not dossier.result_file:
        return None
    with dossier.result_file.open("rb") as stored:
        pdf = stored.read()
    return ToSign(
        pdf=pdf,
        kind=SignedDocument.Kind.RESULT,
        subject=dossier.code,
        part="",
        title=dossier.procedure.name[:200],
        reason=RESULT_REASON,
        owner=dossier.applicant,
    )


def _form(slug: str, build: Callable[..., bytes]) -> Callable[[Event], ToSign | None]:
    def rule(event: Event) -> ToSign | None:
        dossier = dossier_selectors.for_signing(code=event.payload["code"])
        if dossier is None:
            return None
        tracking = settings.TINHSO_PUBLIC_URL + reverse("dossiers:track", kwargs={"code": dossier.code})
        with translation.override("vi"):  # legal forms are in Vietnamese whoever's job renders them
            pdf, title = build(dossier, tracking_url=tracking), str(FORMS[slug][1])
        return ToSign(
            pdf=pdf,
            kind=SignedDocument.Kind.FORM,
            subject=dossier.code,
            part=slug,
            title=title,
            reason=FORM_REASON,
            owner=dossier.applicant,
        )

    return rule


def _receipt(event: Event) -> ToSign | None:
    receipt = receipt_selectors.by_code(event.payload["code"])
    if receipt is None:
        return None
    return ToSign(
        pdf=receipt_documents.receipt_pdf(receipt),
        kind=SignedDocument.Kind.RECEIPT,
        subject=receipt.code,
        part="",
        title=f"Biên lai thu phí, lệ phí số {receipt.number:07d}, ký hiệu {receipt.series.series}",
        reason=RECEIPT_REASON,
        owner=receipt.payer_account,
    )


RULES: dict[str, Callable[[Event], ToSign | None]] = {
    receipt_events.ISSUED: _receipt,
    dossier_events.FINISHED: _result,
    dossier_events.ACCEPTED: _form("giay-tiep-nhan", documents.receipt_pdf),
    dossier_events.SUPPLEMENT_REQUESTED: _form("phieu-yeu-cau-bo-sung", documents.supplement_request_pdf),
    dossier_events.REFUSED: _form("phieu-tu-choi", documents.refusal_pdf),
    dossier_events.APOLOGIZED: _form("van-ban-xin-loi", documents.apology_pdf),
    dossier_events.STOPPED: _form("thong-bao-dung", documents.stop_notice_pdf),
}
