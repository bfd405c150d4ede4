"""`tinhso apikey create NAME`: a key for a partner application to file reports through Open311;
`tinhso apikey list` and `tinhso apikey revoke PREFIX` to see and stop keys."""

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.fieldreports import services
from tinhso.fieldreports.models import ApiKey


class Command(BaseCommand):
    help = "Manages the API keys of partner applications (Open311 GeoReport v2)."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="Creates a key and prints it (shown only once).")
        create.add_argument("name", help="The partner application's name")
        commands.add_parser(
            "list", help="Lists the keys by their first characters (the keys are not stored)."
        )
        revoke = commands.add_parser("revoke", help="Stops the key that starts with PREFIX from working.")
        revoke.add_argument("prefix", help="The key's first characters, as `list` shows them")

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "create":
                secret, api_key = services.create_api_key(actor=None, name=options["name"])
                self.stderr.write(f"Khóa API cho “{api_key.name}” (chỉ hiển thị một lần):")
                self.stdout.write(secret)
            elif action == "list":
                for api_key in ApiKey.objects.order_by("created_at"):
                    state = f"thu hồi {api_key.revoked_at:%d/%m/%Y}" if api_key.revoked_at else "đang dùng"
                    self.stdout.write(
                        f"{api_key.prefix}…  {api_key.created_at:%d/%m/%Y}  {state}  {api_key.name}"
                    )
            else:
                api_key = services.revoke_api_key(actor=None, prefix=options["prefix"])
                self.stdout.write(f"Đã thu hồi khóa API của “{api_key.name}”.")
        except DomainError as error:
            raise CommandError(error.message) from None
