"""`tinhso apikey create NAME`: a key for a partner application to file reports through Open311."""

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.fieldreports import services


class Command(BaseCommand):
    help = "Manages the API keys of partner applications (Open311 GeoReport v2)."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="Creates a key and prints it (shown only once).")
        create.add_argument("name", help="The partner application's name")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                secret, api_key = services.create_api_key(actor=None, name=options["name"])
            except DomainError as error:
                raise CommandError(error.message) from None
            self.stderr.write(f"Khóa API cho “{api_key.name}” (chỉ hiển thị một lần):")
            self.stdout.write(secret)
