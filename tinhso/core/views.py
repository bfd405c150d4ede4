"""Sign-in and sign-out pages, the officials' second factor; the person's API tokens."""

import textwrap
from base64 import b32encode
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from tinhso.core import second_factor, selectors, services
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import InvalidInput, NotFound
from tinhso.core.forms import CitizenSignInForm, OfficialSignInForm, SecondFactorForm
from tinhso.core.parsing import whole_number


class CitizenSignInView(auth_views.LoginView):
    form_class = CitizenSignInForm
    template_name = "core/sign_in.html"
    redirect_authenticated_user = True
    extra_context = {"audience": "citizen"}


class OfficialSignInView(auth_views.LoginView):
    form_class = OfficialSignInForm
    template_name = "core/sign_in.html"
    redirect_authenticated_user = True
    extra_context = {"audience": "official"}


class SignOutView(auth_views.LogoutView):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: SignedInRequest) -> HttpResponse:
    """The person's API tokens still active, each revocable."""
    if request.method == "POST":
        try:
            services.revoke_api_token(
                actor=request.user, token_id=whole_number(request.POST.get("token", "")) or 0
            )
        except NotFound as error:
            raise Http404(error.message) from None
        messages.success(request, _("Đã thu hồi mã truy cập."))
        return redirect("core:tokens")
    context = {
        "tokens": selectors.active_tokens(actor=request.user),
        "session_key": request.session.session_key,
    }
    return render(request, "core/tokens.html", context)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_check(request: SignedInRequest) -> HttpResponse:
    """The second step of an official's sign-in: a code of their authenticator app or a recovery code."""
    user = request.user
    if second_factor.session_verified(user):
        return redirect(_safe_next(request))
    if not second_factor.enrolled(user):
        return redirect(f"{reverse('core:second-factor-setup')}?next={quote(_safe_next(request))}")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verified_device(user=user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "code", _("Mã không đúng hoặc đã dùng. Sau mỗi lần sai, phải chờ lâu hơn mới thử lại được.")
        )
    context = {"form": form, "next": _safe_next(request), "left": second_factor.recovery_codes_left(user)}
    return render(request, "core/second_factor_check.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: SignedInRequest) -> HttpResponse:
    """Enrolment of an authenticator app (QR code), and new recovery codes; for any official."""
    user = request.user
    if user.is_citizen:
        raise Http404
    if second_factor.enrolled(user) and not second_factor.session_verified(user):
        return redirect(f"{reverse('core:second-factor')}?next={quote(request.get_full_path())}")
    if (
        request.method == "POST"
        and request.POST.get("action") == "recovery-codes"
        and second_factor.session_verified(user)
    ):
        codes = second_factor.new_recovery_codes(actor=user)
        return render(request, "core/recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
    form = SecondFactorForm(request.POST or None)
    form.fields["code"].label = _("Mã 6 chữ số ứng dụng đang hiển thị")
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor.confirm_enrolment(actor=user, code=form.cleaned_data["code"])
        except InvalidInput as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)
            return render(request, "core/recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
    device = second_factor.start_enrolment(actor=user)
    context = {
        "form": form,
        "next": _safe_next(request),
        "enrolled": second_factor.enrolled(user),
        "required": second_factor.required_for(user),
        "qr": segno.make(device.config_url, error="m").svg_inline(
            scale=4, title=_("Mã QR để thêm vào ứng dụng")
        ),
        "secret": " ".join(textwrap.wrap(b32encode(device.bin_key).decode(), 4)),
    }
    return render(request, "core/second_factor_setup.html", context, status=400 if form.errors else 200)
