"""A local public-key infrastructure for the demo and the tests: a root CA, the province's signing certificate, a
timestamp authority's certificate and the root's CRL, written as files a signing profile points at.

Production never uses this: its keys sit in an HSM or a USB token, and its trust roots are the national ones
(configured, see profiles.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = "root"
SIGNER = "signer"
TSA = "tsa"
CRL = "root.crl"
DEMO_PASSPHRASE = b"demo-signing"  # the demo PKCS#12's passphrase; production keys never live in files here
VALIDITY = timedelta(days=3650)


@dataclass(frozen=True)
class Identity:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tỉnh số (chứng thư thử nghiệm)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    *,
    subject: str,
    issuer: Identity | None,
    crl_url: str,
    now: datetime,
    usage: x509.ExtendedKeyUsage | None = None,
) -> Identity:
    """A certificate for a new RSA key (what Vietnamese CAs issue, and all pyHanko's test TSA signs with),
    issued by `issuer` (self-signed when None)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    is_ca = issuer is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.certificate.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        ).add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    if usage is not None:
        # RFC 3161 §2.3: a TSA's certificate carries exactly this extended key usage, marked critical.
        builder = builder.add_extension(usage, critical=True)
    certificate = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Identity(certificate, key)


def write_crl(*, directory: Path, revoked: list[int], now: datetime | None = None) -> bytes:
    """(Re)writes the root's CRL in DER, revoking the given serial numbers as of `now`."""
    now = now or datetime.now(UTC)
    root = load_identity(directory / ROOT)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.certificate.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=7))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), critical=False
        )
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - timedelta(minutes=1))
            .build()
        )
    der = builder.sign(root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    (directory / CRL).write_bytes(der)
    return der


def _write(identity: Identity, base: Path) -> None:
    base.with_suffix(".crt").write_bytes(identity.certificate.public_bytes(serialization.Encoding.PEM))
    base.with_suffix(".key").write_bytes(
        identity.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    base.with_suffix(".key").chmod(0o600)


def load_identity(base: Path) -> Identity:
    certificate = x509.load_pem_x509_certificate(base.with_suffix(".crt").read_bytes())
    key = serialization.load_pem_private_key(base.with_suffix(".key").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Identity(certificate, key)


def issue_signer(*, directory: Path, name: str, common_name: str, crl_url: str) -> Identity:
    """A further signing certificate under the demo root (tests revoke one), with its PKCS#12 beside it."""
    root = load_identity(directory / ROOT)
    signer = _issue(subject=common_name, issuer=root, crl_url=crl_url, now=datetime.now(UTC))
    _write(signer, directory / name)
    bundle = pkcs12.serialize_key_and_certificates(
        name=common_name.encode(),
        key=signer.key,
        cert=signer.certificate,
        cas=[root.certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(DEMO_PASSPHRASE),
    )
    (directory / name).with_suffix(".p12").write_bytes(bundle)
    (directory / name).with_suffix(".p12").chmod(0o600)
    return signer


def create_demo_ca(*, directory: Path, crl_url: str, province: str) -> None:
    """The root, the province's signer (also as PKCS#12), the TSA and an empty CRL, under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    root = _issue(subject="Tỉnh số Root CA (thử nghiệm)", issuer=None, crl_url=crl_url, now=now)
    _write(root, directory / ROOT)
    issue_signer(directory=directory, name=SIGNER, common_name=province, crl_url=crl_url)
    tsa = _issue(
        subject="Tỉnh số TSA (thử nghiệm)",
        issuer=root,
        crl_url=crl_url,
        now=now,
        usage=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
    )
    _write(tsa, directory / TSA)
    write_crl(directory=directory, revoked=[], now=now)
