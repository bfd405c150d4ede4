"""Writes of the signing app: a document signed and its signed copy kept, with its event."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tinhso.core.files import removed_on_failure, written
from tinhso.core.models import User
from tinhso.core.services import record_event
from tinhso.signing import events, pades, profiles
from tinhso.signing.models import SignedDocument

# Crockford's base32 without look-alikes: a code read aloud or typed from paper is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


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
            title=title,
            owner=owner,
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
    title: str,
    owner: User | None,
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
        title=title,
        sha256=hashlib.sha256(signed).hexdigest(),
        signer=signer,
        serial=serial,
        timestamped=timestamped,
        signed_at=signed_at,
        owner=owner,
    )
    document.file.save(f"{code}.pdf", ContentFile(signed), save=False)
    written(document.file)
    document.save(force_insert=True)
    record_event(
        subject=document,
        action=events.SIGNED,
        actor=actor,
        payload={
            "code": code,
            "kind": kind,
            "subject": subject,
            "sha256": document.sha256,
            "signer": signer,
            "serial": serial,
            "timestamped": timestamped,
            "profile": profile_name,
        },
    )
    return document
