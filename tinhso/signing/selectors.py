"""Reads of the signing app. What a signed document is, told to anyone, carries no personal data."""

from collections.abc import Collection

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import NotFound
from tinhso.core.models import User
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.lifecycle import LIFECYCLE
from tinhso.receipts import selectors as receipt_selectors
from tinhso.signing import profiles
from tinhso.signing.models import SignedDocument


def document_by_code(code: str) -> SignedDocument:
    document = SignedDocument.objects.filter(code=code.strip().upper()).first()
    if document is None:
        raise NotFound(
            _("Không có văn bản ký số nào mang mã xác thực “%(code)s”."),
            params={"code": code},
            code="signed_document_not_found",
        )
    return document


def issued_as(sha256: str) -> SignedDocument | None:
    """The platform's record of the exact file with this SHA-256, if the platform signed it."""
    return SignedDocument.objects.filter(sha256=sha256).first()


def latest_of(*, subject: str, kind: str, part: str = "") -> SignedDocument | None:
    """The newest signed copy of a dossier's result or form (`part`), or of a receipt."""
    documents = SignedDocument.objects.filter(subject=subject, kind=kind, part=part)
    return documents.order_by("-signed_at", "-pk").first()


def results_among(*, sha256s: Collection[str]) -> set[str]:
    """Those of the files (by SHA-256) that are results the platform signed: a file reused from a citizen's
    data store instead of an upload (once-only)."""
    documents = SignedDocument.objects.filter(sha256__in=sha256s, kind=SignedDocument.Kind.RESULT)
    return set(documents.values_list("sha256", flat=True))


def signs_results() -> bool:
    """Whether the platform signs recorded results (its key is configured): then a result is worth waiting for."""
    return profiles.usable(profiles.profile())


def signed_result(*, dossier_code: str) -> SignedDocument | None:
    return latest_of(subject=dossier_code, kind=SignedDocument.Kind.RESULT)


def signed_results(*, dossier_codes: Collection[str]) -> dict[str, SignedDocument]:
    """The newest signed result of each dossier, in one query (for the platform's sync upward)."""
    documents = SignedDocument.objects.filter(
        subject__in=dossier_codes, kind=SignedDocument.Kind.RESULT, part=""
    )
    documents = documents.order_by("subject", "signed_at", "pk").only("subject", "code", "title")
    return {document.subject: document for document in documents}  # the newest of a subject comes last


def signed_form(*, dossier_code: str, form: str) -> SignedDocument | None:
    return latest_of(subject=dossier_code, kind=SignedDocument.Kind.FORM, part=form)


def data_store(*, actor: User) -> QuerySet[SignedDocument]:
    """The signed results held in the citizen's data store (kho dữ liệu), newest first."""
    return SignedDocument.objects.filter(owner=actor, kind=SignedDocument.Kind.RESULT).order_by("-signed_at")


def open_dossiers(*, actor: User) -> list[tuple[str, int, str]]:
    """(code, version, procedure) of the citizen's dossiers that take files now: what a stored result can
    be reused in."""
    takes_files = LIFECYCLE.sources("attach_documents")
    dossiers = dossier_selectors.citizen_dossiers(actor=actor).filter(status__in=takes_files)
    return [(dossier.code, dossier.version, dossier.procedure.name) for dossier in dossiers[:50]]


def may_download(*, actor: User | AnonymousUser, document: SignedDocument | None) -> bool:
    """The signed copy itself goes to its owner and to the officials who may see the dossier it belongs to,
    never to anyone holding the code: it may hold personal data."""
    if document is None or not actor.is_authenticated:
        return False
    if document.owner_id == actor.pk:
        return True
    if actor.is_citizen:
        return False
    if document.kind == SignedDocument.Kind.REPORT:  # the province's figures, no one's personal data
        return True
    dossier_code = _dossier_of(document)
    return (
        dossier_code is not None
        and dossier_selectors.visible_dossiers(actor).filter(code=dossier_code).exists()
    )


def _dossier_of(document: SignedDocument) -> str | None:
    """The code of the dossier a signed result, form or receipt belongs to."""
    if document.kind != SignedDocument.Kind.RECEIPT:
        return document.subject
    receipt = receipt_selectors.by_code(document.subject)
    return receipt.dossier_code if receipt is not None else None
