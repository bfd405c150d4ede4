"""JSON API of the signing app: anyone may have a PDF's signatures checked."""

from datetime import datetime

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from tinhso.core import throttle
from tinhso.signing import reports

router = Router(tags=["signatures"])


class SignatureOut(Schema):
    field: str
    kind: str
    signer: str
    issuer: str
    serial: str
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    signing_time: datetime | None
    timestamp_time: datetime | None
    timestamp_trusted: bool | None
    coverage: str
    modification_level: str
    summary: str


class IssuedOut(Schema):
    code: str
    kind: str
    kind_label: str
    subject: str
    title: str
    signed_at: datetime
    verification_url: str
    cancelled: bool
    replaced_by: str | None


class VerificationOut(Schema):
    sha256: str
    all_valid: bool
    signatures: list[SignatureOut]
    issued: IssuedOut | None


def _out(checked: reports.PublicReport) -> dict:
    issued = checked.issued
    cancelled, replaced_by = checked.cancelled
    return {
        "sha256": checked.report.sha256,
        "all_valid": checked.all_valid,
        "signatures": checked.report.signatures,
        "issued": issued
        and {
            "code": issued.code,
            "kind": issued.kind,
            "kind_label": issued.get_kind_display(),
            "subject": issued.subject,
            "title": issued.title,
            "signed_at": issued.signed_at,
            "verification_url": checked.issued_url,
            "cancelled": cancelled,
            "replaced_by": replaced_by,
        },
    }


@router.post("/verify", response=VerificationOut, auth=None, summary="Check every signature of a PDF")
def verify(request: HttpRequest, file: File[UploadedFile]) -> dict:
    """Per signature: who signed, whether the file is intact, the signature valid and trusted by the
    configured roots, the certificate revoked, the timestamp; and the dossier or receipt the platform
    issued the file for, if it did."""
    reports.count_attempt(throttle.client_address(request))
    return _out(reports.check_upload(file.read()))
