"""Checks every signature of a PDF with pyHanko against the configured trust roots (never a root found in the
document), the revocation data in the document's security store and the CRLs the platform keeps. Pure: reads
bytes, writes nothing."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from django.conf import settings
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from tinhso.signing import profiles
from tinhso.signing.threads import outside_event_loop

PDF_MAGIC = b"%PDF-"


class NotAPdf(ValueError):
    """The bytes are not a PDF that can be read."""


@dataclass(frozen=True)
class SignatureReport:
    """What one signature (or document timestamp) of a PDF proves."""

    field: str
    kind: str  # "signature" or "document_timestamp"
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


@dataclass(frozen=True)
class Report:
    sha256: str
    signatures: list[SignatureReport]


def _context(reader: PdfFileReader) -> ValidationContext:
    """Configured roots, the document's own certificates and revocation data (its DSS) and the kept CRLs."""
    options: dict[str, Any] = {
        "trust_roots": profiles.trust_roots(),
        "crls": profiles.known_crls(),
        "allow_fetching": settings.TINHSO_SIGNING_FETCH_REVOCATION,
        "revocation_mode": "hard-fail",
    }
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(options)
    except NoDSSFoundError:
        return ValidationContext(**options)


def _names(cert: object) -> tuple[str, str, str]:
    if cert is None:
        return "", "", ""
    return cert.subject.human_friendly, cert.issuer.human_friendly, format(cert.serial_number, "X")  # type: ignore[attr-defined]


def _enum(value: object) -> str:
    return getattr(value, "name", "") if value is not None else ""


def _signature(embedded: object, reader: PdfFileReader) -> SignatureReport:
    field = embedded.field_name  # type: ignore[attr-defined]
    if embedded.sig_object_type == "/DocTimeStamp":  # type: ignore[attr-defined]
        stamped = validate_pdf_timestamp(embedded, validation_context=_context(reader))  # type: ignore[arg-type]
        signer, issuer, serial = _names(stamped.signing_cert)
        return SignatureReport(
            field=field,
            kind="document_timestamp",
            signer=signer,
            issuer=issuer,
            serial=serial,
            intact=stamped.intact,
            valid=stamped.valid,
            trusted=stamped.trusted,
            revoked=stamped.revoked,
            signing_time=None,
            timestamp_time=stamped.timestamp,
            timestamp_trusted=stamped.trusted,
            coverage=_enum(stamped.coverage),
            modification_level=_enum(stamped.modification_level),
            summary=stamped.summary(),
        )
    status = validate_pdf_signature(
        embedded,  # type: ignore[arg-type]
        signer_validation_context=_context(reader),
        ts_validation_context=_context(reader),
    )
    signer, issuer, serial = _names(status.signing_cert)
    stamp = status.timestamp_validity
    return SignatureReport(
        field=field,
        kind="signature",
        signer=signer,
        issuer=issuer,
        serial=serial,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        revoked=status.revoked,
        signing_time=status.signer_reported_dt,
        timestamp_time=stamp.timestamp if stamp else None,
        timestamp_trusted=(stamp.intact and stamp.valid and stamp.trusted) if stamp else None,
        coverage=_enum(status.coverage),
        modification_level=_enum(status.modification_level),
        summary=status.summary(),
    )


def verify_pdf(data: bytes) -> Report:
    """Every signature of `data`; NotAPdf when it is not a readable PDF."""
    return outside_event_loop(lambda: _verify(data))


def _verify(data: bytes) -> Report:
    if PDF_MAGIC not in data[:1024]:
        raise NotAPdf("no PDF header")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise NotAPdf(str(error)) from None
    reports = []
    for signature in embedded:
        try:
            reports.append(_signature(signature, reader))
        except (SignatureValidationError, PdfReadError, ValueError) as error:
            reports.append(_broken(signature.field_name, str(error)))
    return Report(sha256=hashlib.sha256(data).hexdigest(), signatures=reports)


def _broken(field: str, reason: str) -> SignatureReport:
    """A signature whose structure could not even be checked: nothing about it holds."""
    return SignatureReport(
        field=field,
        kind="signature",
        signer="",
        issuer="",
        serial="",
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        signing_time=None,
        timestamp_time=None,
        timestamp_trusted=None,
        coverage="",
        modification_level="",
        summary=reason,
    )
