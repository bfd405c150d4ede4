"""`tinhso signing init-demo-ca`: the demo's local CA (root, province signer, TSA, CRL) under
TINHSO_SIGNING_DEMO_DIR. Kept when it exists, so documents signed earlier stay verifiable; --force renews it.
`tinhso signing check-key`: opens a profile's key (a token: logs in with its PIN) and says whose it is."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.signing import pki, profiles, services


class Command(BaseCommand):
    help = (
        "Signing tools. init-demo-ca: create the demo root CA, signing and TSA certificates and CRL. "
        "check-key: open a signing profile's key and show its certificate."
    )

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        init = commands.add_parser("init-demo-ca", help="create the demo PKI (never used in production)")
        init.add_argument("--force", action="store_true", help="replace an existing demo CA")
        check = commands.add_parser("check-key", help="open a signing profile's key (file or token)")
        check.add_argument(
            "--profile", default="default", help="the profile's name in TINHSO_SIGNING_PROFILES"
        )

    def handle(self, *args, command: str, force: bool = False, profile: str = "default", **options) -> None:
        if command == "check-key":
            self._check_key(profile)
            return
        if settings.TINHSO_ENV == "production":
            raise CommandError("The demo CA is never created in production: configure TINHSO_SIGNING_*.")
        directory = Path(settings.TINHSO_SIGNING_DEMO_DIR)
        if (directory / pki.ROOT).with_suffix(".crt").exists() and not force:
            self.stdout.write(f"The demo CA in {directory} is kept (--force replaces it).")
            return
        crl_url = settings.TINHSO_PUBLIC_URL + "/ky-so/crl/root.crl"
        pki.create_demo_ca(directory=directory, crl_url=crl_url, province=f"UBND {services.province_name()}")
        self.stdout.write(f"Demo CA written to {directory}.")

    def _check_key(self, name: str) -> None:
        chosen = profiles.profile(name)
        try:
            with profiles.token_errors(chosen):
                certificate = profiles.load_signer(chosen).signing_cert
        except OSError as error:  # KeyUnavailable, or a key file that cannot be read
            raise CommandError(str(error)) from None
        if certificate is None:
            raise CommandError(f"Signing profile {name!r}: the key has no certificate.")
        self.stdout.write(
            f"{name} ({chosen.kind}): {certificate.subject.human_friendly}, serial "
            f"{certificate.serial_number:X}, valid until {certificate.not_valid_after:%d/%m/%Y}."
        )
