"""The demo's RFC 3161 timestamp authority, served by the platform itself in demo and test mode (never in
production, where the profile names a licensed TSA): pyHanko's in-process TSA behind an HTTP endpoint that
speaks the protocol (`application/timestamp-query` in, `application/timestamp-reply` out)."""

from functools import cache
from pathlib import Path

from asn1crypto import tsp
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tinhso.signing import pki


@cache
def _authority(directory: Path, stamp: float) -> DummyTimeStamper:
    # `stamp` (the key file's mtime) keys the cache, so a re-created demo CA is picked up without a restart.
    base = directory / pki.TSA
    return DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(base.with_suffix(".crt"))),
        tsa_key=load_private_key_from_pemder(str(base.with_suffix(".key")), passphrase=None),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [load_cert_from_pemder(str((directory / pki.ROOT).with_suffix(".crt")))]
        ),
    )


def respond(query: bytes) -> bytes:
    """The DER TimeStampResp to a DER TimeStampReq (a ValueError when the query is not one)."""
    request = tsp.TimeStampReq.load(query)
    _ = request.native  # parses it all now: a malformed query fails here, not half-way through signing
    directory = Path(settings.TINHSO_SIGNING_DEMO_DIR)
    authority = _authority(directory, (directory / pki.TSA).with_suffix(".key").stat().st_mtime)
    return authority.request_tsa_response(request).dump()
