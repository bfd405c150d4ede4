"""Sign-in forms: citizens and officials use separate pages, each refusing the other kind of account."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import User


class SignInForm(AuthenticationForm):
    account_type: str = ""
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý mật khẩu phân biệt chữ hoa, chữ thường."
        ),
        "inactive": _("Tài khoản này đã bị khoá."),
        "wrong_kind": _("Tài khoản này không dùng để đăng nhập ở trang này."),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.account_type != self.account_type:
            raise forms.ValidationError(self.error_messages["wrong_kind"], code="wrong_kind")


class CitizenSignInForm(SignInForm):
    account_type = User.AccountType.CITIZEN

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Số định danh cá nhân hoặc tên đăng nhập")


class OfficialSignInForm(SignInForm):
    account_type = User.AccountType.OFFICIAL

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
