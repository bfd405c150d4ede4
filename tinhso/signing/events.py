"""The events of a signed document's chain (stream `signing.signeddocument:<id>`)."""

from tinhso.core.events import EventType

SIGNED = EventType(
    "signing.document_signed",
    "The platform signed a document (PAdES B-LT) and kept the signed copy.",
    {
        "code": "the verification code printed in the stamp and its QR code",
        "kind": "result, receipt, form or report",
        "subject": "what it belongs to: a dossier's or a receipt's code",
        "part": "which of the dossier's forms (its page name), or empty",
        "sha256": "SHA-256 of the signed PDF",
        "signer": "the signing certificate's subject",
        "serial": "the signing certificate's serial number (hex)",
        "timestamped": "whether a timestamp authority stamped the signature",
        "profile": "the signing profile used",
    },
)
