"""Sign-in forms: citizens and officials use separate pages, each refusing the other kind of account."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tinhso.core import auth
from tinhso.core.errors import DomainError, TooManyAttempts
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

    def clean(self) -> dict:
        """Through core.auth.sign_in, throttled per account and per address like the API's token endpoint."""
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            assert self.request is not None, "the sign-in views pass the request"
            try:
                self.user_cache = auth.sign_in(
                    request=self.request, username=username, password=password, path=self.account_type
                )
            except TooManyAttempts as error:
                raise forms.ValidationError(error.message, code="too_many_attempts") from None
            except DomainError:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

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


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực (6 chữ số) hoặc mã khôi phục"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
