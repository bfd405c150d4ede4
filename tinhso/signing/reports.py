"""A verification report as the public sees it: the signatures checked, and the platform's record of the file
when the platform issued it (kind, code of the dossier or receipt, title, date; never personal data)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tinhso.core import throttle
from tinhso.core.errors import DomainError, TooManyAttempts
from tinhso.receipts import selectors as receipt_selectors
from tinhso.signing import selectors, verification
from tinhso.signing.models import SignedDocument
from tinhso.signing.services import verification_url

MAX_BYTES = 20 * 1024 * 1024
# Checking signatures costs CPU: an address may have this many files checked per window.
VERIFICATIONS_PER_ADDRESS = throttle.Limit("verifications-address", attempts=60, seconds=10 * 60)


@dataclass(frozen=True)
class PublicReport:
    report: verification.Report
    issued: SignedDocument | None

    @property
    def cancelled(self) -> tuple[bool, str | None]:
        """For a receipt: whether it was cancelled since, and the code of its replacement."""
        if self.issued is None or self.issued.kind != SignedDocument.Kind.RECEIPT:
            return False, None
        return receipt_selectors.cancellation(code=self.issued.subject)

    @property
    def all_valid(self) -> bool:
        """Every signature intact, valid, trusted and not revoked (and there is one)."""
        signatures = self.report.signatures
        return bool(signatures) and all(
            s.intact and s.valid and s.trusted and not s.revoked for s in signatures
        )

    @property
    def issued_url(self) -> str:
        return verification_url(self.issued.code) if self.issued else ""


def count_attempt(address: str) -> None:
    """Counts one uploaded file checked for `address`; refused past the limit."""
    limit = VERIFICATIONS_PER_ADDRESS
    if throttle.hit(limit, address) > limit.attempts:
        raise TooManyAttempts(
            str(_("Quá nhiều lần kiểm tra từ địa chỉ này; hãy thử lại sau.")),
            retry_after=throttle.retry_after(limit, address),
        )


def check_upload(data: bytes) -> PublicReport:
    """The report on an uploaded file; a 400 problem when it is too large or not a PDF."""
    if len(data) > MAX_BYTES:
        raise DomainError(_("Tệp lớn hơn 20 MB."), code="file_too_large")
    try:
        report = verification.verify_pdf(data)
    except verification.NotAPdf:
        raise DomainError(_("Tệp không phải là một tệp PDF đọc được."), code="not_a_pdf") from None
    return PublicReport(report=report, issued=selectors.issued_as(report.sha256))


def check_issued(code: str) -> PublicReport:
    """The report on the copy the platform kept of the document with this verification code."""
    document = selectors.document_by_code(code)
    with document.file.open("rb") as stored:
        report = verification.verify_pdf(stored.read())
    return PublicReport(report=report, issued=document)
