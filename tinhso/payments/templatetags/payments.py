"""The payment panel of a dossier's page: what the applicant owes now, with the button to pay it online, and
the dossier's payment orders."""

from django import template

from tinhso.core.models import User
from tinhso.dossiers.models import Dossier
from tinhso.payments import selectors

register = template.Library()


@register.inclusion_tag("payments/_panel.html")
def payment_panel(user: User, dossier: Dossier) -> dict:
    orders = list(selectors.orders_of_dossier(user, dossier.code))
    owed = selectors.due(dossier) if dossier.applicant_id == user.pk else None
    open_for_it = owed is not None and any(
        order.due_key == owed.key and order.status in selectors.SETTLED for order in orders
    )
    return {"dossier": dossier, "orders": orders, "due": None if open_for_it else owed}
