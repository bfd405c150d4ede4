"""Reads of the receipts app."""

from django.db.models import QuerySet

from tinhso.core import selectors as core_selectors
from tinhso.core.models import Domain, Role, User
from tinhso.receipts.models import Receipt, Status


def by_code(code: str) -> Receipt | None:
    return Receipt.objects.select_related("series", "replaces", "payer_account").filter(code=code).first()


def of_dossier(*, dossier_code: str) -> list[Receipt]:
    return list(
        Receipt.objects.filter(dossier_code=dossier_code).select_related("series").order_by("issued_at")
    )


def collected_by(*, actor: User) -> QuerySet[Receipt]:
    """Receipts of the units where the actor works the desk or leads, newest first."""
    units = core_selectors.units_where(actor, Role.RECEPTIONIST, Role.UNIT_LEADER, domain=Domain.DOSSIERS)
    return (
        Receipt.objects.filter(series__unit__in=units)
        .select_related("series", "replaces")
        .order_by("-issued_at", "-pk")
    )


def cancellation(*, code: str) -> tuple[bool, str | None]:
    """Whether the receipt was cancelled, and the code of the receipt that replaced it."""
    receipt = Receipt.objects.filter(code=code).only("status").first()
    if receipt is None or receipt.status != Status.CANCELLED:
        return False, None
    replacement = Receipt.objects.filter(replaces=receipt).values_list("code", flat=True).first()
    return True, replacement
