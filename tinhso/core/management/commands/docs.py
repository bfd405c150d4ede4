"""`tinhso docs`: writes docs/lifecycles.md and docs/events.md from the declarations; `--check` only compares."""

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.catalogue import DOCS, GENERATED


class Command(BaseCommand):
    help = "Writes docs/lifecycles.md and docs/events.md from the lifecycle tables and the event catalogue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Exit 1 if a committed page is stale.")

    def handle(self, *args, check: bool, **options) -> None:
        stale = []
        for name, render in GENERATED.items():
            path, text = DOCS / name, render()
            if path.exists() and path.read_text(encoding="utf-8") == text:
                continue
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"wrote docs/{name}")
        if check and stale:
            raise CommandError(f"stale: {', '.join(stale)}; run `tinhso docs`")
