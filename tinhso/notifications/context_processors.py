from django.http import HttpRequest

from tinhso.core.auth import read_with_account
from tinhso.notifications import selectors

SAFE_METHODS = frozenset({"GET", "HEAD"})


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    read = read_with_account(user)
    if read is not None and request.method in SAFE_METHODS:
        # Counted with the account at the start of this request: a page read writes no notification for its reader.
        return {"unread_notifications": read.unread_notifications}
    return {"unread_notifications": selectors.unread_count(user)}
