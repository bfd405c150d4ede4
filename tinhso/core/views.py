"""Sign-in and sign-out pages; the person's API tokens."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.core import selectors, services
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import NotFound
from tinhso.core.forms import CitizenSignInForm, OfficialSignInForm
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
