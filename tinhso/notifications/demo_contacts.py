"""The demo citizen's verified e-mail address: `make demo` with EMAIL_HOST/EMAIL_PORT set sends them real
mail (the acknowledgement of an online dossier within a minute); without them the mail goes to the console.
Called by the generator's demo step, the last app's, so the hand-made cases written before send nothing."""

from django.conf import settings
from django.utils import timezone

from tinhso.core.models import User
from tinhso.notifications.models import Contact

DEMO_EMAIL = "nguyenvanan@example.com"


def give_demo_contacts() -> list[str]:
    citizen = User.objects.filter(username="congdan", is_demo=True).first()
    if citizen is None:
        return []
    Contact.objects.get_or_create(
        user=citizen,
        kind=Contact.Kind.EMAIL,
        defaults={"address": DEMO_EMAIL, "verified_at": timezone.now()},
    )
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}" if settings.EMAIL_HOST else "console"
    return [f"thư điện tử của congdan: {DEMO_EMAIL} (gửi qua {where})"]
