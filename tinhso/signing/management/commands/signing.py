"""`tinhso signing init-demo-ca`: the demo's local CA (root, province signer, TSA, CRL) under
TINHSO_SIGNING_DEMO_DIR. Kept when it exists, so documents signed earlier stay verifiable; --force renews it."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.signing import pki, services


class Command(BaseCommand):
    help = "Signing tools. init-demo-ca: create the demo root CA, signing and TSA certificates and CRL."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        init = commands.add_parser("init-demo-ca", help="create the demo PKI (never used in production)")
        init.add_argument("--force", action="store_true", help="replace an existing demo CA")

    def handle(self, *args, command: str, force: bool = False, **options) -> None:
        if settings.TINHSO_ENV == "production":
            raise CommandError("The demo CA is never created in production: configure TINHSO_SIGNING_*.")
        directory = Path(settings.TINHSO_SIGNING_DEMO_DIR)
        if (directory / pki.ROOT).with_suffix(".crt").exists() and not force:
            self.stdout.write(f"The demo CA in {directory} is kept (--force replaces it).")
            return
        crl_url = settings.TINHSO_PUBLIC_URL + "/ky-so/crl/root.crl"
        pki.create_demo_ca(directory=directory, crl_url=crl_url, province=f"UBND {services.province_name()}")
        self.stdout.write(f"Demo CA written to {directory}.")
