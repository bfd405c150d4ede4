"""Sign-in by username or, for citizens, by their 12-digit citizen ID."""

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from tinhso.core.models import User


class UsernameOrCitizenIdBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ) -> User | None:
        if not username or password is None:
            return None
        username = username.strip()
        field = "citizen_id" if username.isdigit() and len(username) == 12 else "username"
        user = User.objects.filter(**{field: username}).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not reveal accounts
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class SignedInRequest(HttpRequest):
    """A request behind `login_required` (pages) or bearer auth (API): for the type checker, `user` and
    `auth` are then an account, never AnonymousUser or None."""

    user: User
    auth: User
