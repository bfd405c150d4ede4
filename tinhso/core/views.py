"""Sign-in and sign-out pages."""

from django.contrib.auth import views as auth_views

from tinhso.core.forms import CitizenSignInForm, OfficialSignInForm


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
