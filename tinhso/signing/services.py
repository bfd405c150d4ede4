"""Writes of the signing app: a document signed and its signed copy kept, with its event."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, NotFound
from tinhso.core.files import removed_on_failure, written
from tinhso.core.models import Event, User
from tinhso.core.services import record_event
from tinhso.dossiers import services as dossier_services
from tinhso.signing import events, pades, profiles
from tinhso.signing.models import SignedDocument, SigningCursor
from tinhso.signing.rules import RULES

logger = logging.getLogger(__name__)
# Crockford's base32 without look-alikes: a code read aloud or typed from paper is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
# Events of transactions that committed after the previous run started are still picked up; one signed
# document per event makes looking at an event twice harmless.
GRACE = timedelta(minutes=10)


def province_name() -> str:
    """Where the province signs, e.g. "Tỉnh Cà Mau" (its portal code before the units are loaded)."""
    try:
        return core_selectors.province_unit().name
    except NotFound:
        return settings.TINHSO_PROVINCE


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_url(code: str) -> str:
    return settings.TINHSO_PUBLIC_URL + reverse("signing:document", kwargs={"code": code})


def sign_document(
    *,
    actor: User | None,
    pdf: bytes,
    kind: str,
    subject: str,
    title: str,
    reason: str,
    location: str,
    owner: User | None = None,
    part: str = "",
    source_event: Event | None = None,
    profile_name: str = "default",
    timestamp: bool = True,
) -> SignedDocument:
    """Signs `pdf` (PAdES B-LT, stamp and QR code to its verification page) and keeps the signed copy. The
    signature, which may wait for the timestamp authority, is made before the transaction opens."""
    profile = profiles.profile(profile_name)
    code = new_code()
    stamp = pades.Stamp(code=code, url=verification_url(code), reason=reason, location=location)
    signed = pades.sign_pdf(pdf, stamp=stamp, profile=profile, timestamp=timestamp)
    certificate = profiles.load_signer(profile).signing_cert
    assert certificate is not None  # pyHanko has just signed with it
    with removed_on_failure():
        return _keep(
            actor=actor,
            code=code,
            signed=signed,
            kind=kind,
            subject=subject,
            part=part,
            title=title,
            owner=owner,
            source_event=source_event,
            signer=certificate.subject.human_friendly,
            serial=format(certificate.serial_number, "X"),
            timestamped=timestamp and bool(profile.tsa_url),
            profile_name=profile.name,
            signed_at=timezone.now(),
        )


@transaction.atomic
def _keep(
    *,
    actor: User | None,
    code: str,
    signed: bytes,
    kind: str,
    subject: str,
    part: str,
    title: str,
    owner: User | None,
    source_event: Event | None,
    signer: str,
    serial: str,
    timestamped: bool,
    profile_name: str,
    signed_at: datetime,
) -> SignedDocument:
    document = SignedDocument(
        code=code,
        kind=kind,
        subject=subject,
        part=part,
        title=title,
        source_event=source_event,
        sha256=hashlib.sha256(signed).hexdigest(),
        signer=signer,
        serial=serial,
        timestamped=timestamped,
        signed_at=signed_at,
        owner=owner,
    )
    document.file.save(f"{code}.pdf", ContentFile(signed), save=False)
    written(document.file)
    try:
        with transaction.atomic():
            document.save(force_insert=True)
    except IntegrityError:  # another run signed after the same event first: its copy stands
        raise Conflict(_("Văn bản này đã được ký."), code="already_signed") from None
    record_event(
        subject=document,
        action=events.SIGNED,
        actor=actor,
        payload={
            "code": code,
            "kind": kind,
            "subject": subject,
            "part": part,
            "sha256": document.sha256,
            "signer": signer,
            "serial": serial,
            "timestamped": timestamped,
            "profile": profile_name,
        },
    )
    return document


def sign_pending(*, now: datetime | None = None) -> int:
    """Signs what the rules ask for after the events written since the previous run (results, the desk's
    forms); returns how many documents it signed. A failure (the timestamp authority down, the token's PIN
    refused or the token unplugged) stops the run before the cursor moves, so the next run tries again."""
    now = now or timezone.now()
    if not profiles.usable(profiles.profile()):
        logger.warning("The signing key is not configured: nothing is signed (tinhso signing init-demo-ca)")
        return 0
    cursor = SigningCursor.objects.first() or SigningCursor.objects.create(last_run_at=None)
    pending = Event.objects.filter(action__in=RULES, signed_document__isnull=True).order_by("id")
    if cursor.last_run_at is not None:
        pending = pending.filter(occurred_at__gte=cursor.last_run_at - GRACE)
    else:  # the first run signs what happens from now on, not the history the platform started with
        pending = pending.filter(occurred_at__gte=now - GRACE)
    signed = 0
    for event in pending.iterator(chunk_size=50):
        wanted = RULES[event.action](event)
        if wanted is None:
            continue
        try:
            sign_document(
                actor=None,
                pdf=wanted.pdf,
                kind=wanted.kind,
                subject=wanted.subject,
                part=wanted.part,
                title=wanted.title,
                reason=wanted.reason,
                location=province_name(),
                owner=wanted.owner,
                source_event=event,
            )
        except Conflict:
            continue
        except pades.Unsignable:  # a broken file never holds up the others; the dossier keeps it unsigned
            logger.exception("Event %s: the document cannot be signed", event.pk)
            continue
        except pades.TimestampUnavailable as error:  # the cursor stays: the next run signs the same events
            logger.warning(
                "The timestamp authority did not answer (%s); signing waits for the next run", error
            )
            return signed
        except profiles.KeyUnavailable as error:  # a wrong PIN, the token unplugged: likewise
            logger.warning("The signing key cannot be used (%s); signing waits for the next run", error)
            return signed
        signed += 1
    SigningCursor.objects.filter(pk=cursor.pk).update(last_run_at=now)
    return signed


def reuse_in_dossier(*, actor: User, document_code: str, dossier_code: str, version: int) -> None:
    """Once-only: a signed result from the citizen's data store attached to a later dossier of theirs,
    instead of an upload (the dossier's own service checks the dossier may take files now)."""
    document = SignedDocument.objects.filter(
        code=document_code, owner=actor, kind=SignedDocument.Kind.RESULT
    ).first()
    if document is None:
        raise NotFound(
            _("Kho dữ liệu của bạn không có văn bản “%(code)s”."),
            params={"code": document_code},
            code="not_in_data_store",
        )
    with document.file.open("rb") as stored:
        copy = ContentFile(stored.read(), name=f"{document.subject}-ket-qua-da-ky-so.pdf")
    dossier_services.attach_documents(actor=actor, code=dossier_code, version=version, attachments=[copy])
