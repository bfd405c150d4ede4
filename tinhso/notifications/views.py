"""The inbox page: read a notification and follow its link."""

import json
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import InvalidInput, NotFound
from tinhso.notifications import selectors, services
from tinhso.notifications.forms import CodeForm, ContactForm, PreferencesForm, choice_field
from tinhso.notifications.models import Channel, OutboxMessage


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    shown = selectors.in_reading_language(list(selectors.inbox(request.user).select_related("event")[:100]))
    return render(request, "notifications/inbox.html", {"notifications": shown})


@login_required
@require_POST
def open_notification(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        notification = services.mark_read(actor=request.user, notification_id=pk)
    except NotFound:
        raise Http404 from None
    safe = url_has_allowed_host_and_scheme(notification.link, allowed_hosts={request.get_host()})
    return redirect(notification.link if notification.link and safe else "notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: SignedInRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "Đã đánh dấu %(count)d thông báo là đã đọc.",
                "Đã đánh dấu %(count)d thông báo là đã đọc.",
                count,
            )
            % {"count": count},
        )
    return redirect("notifications:inbox")


def _message_id(token: str) -> uuid.UUID:
    try:
        return uuid.UUID(hex=token)
    except ValueError:
        raise Http404 from None


def open_message(request: HttpRequest, token: str) -> HttpResponse:
    """A message's link: counts the opening, then goes to the dossier or page it is about."""
    try:
        message = services.mark_opened(message_id=_message_id(token))
    except NotFound:
        raise Http404 from None
    link = message.context.get("link", "")
    safe = url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()})
    return redirect(link if link and safe else "web:home")


@csrf_exempt  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" with no form; the id is the key
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    message_id = _message_id(token)
    if request.method == "POST":
        try:
            message = services.opt_out(message_id=message_id)
        except NotFound:
            raise Http404 from None
        return render(request, "notifications/unsubscribed.html", {"channel": _channel_label(message)})
    if not OutboxMessage.objects.filter(pk=message_id).exists():
        raise Http404
    return render(request, "notifications/unsubscribe.html", {"token": token})


def _channel_label(message: OutboxMessage) -> str:
    return str(Channel(message.sent_via or message.current_channel).label)


@login_required
def preferences(request: SignedInRequest) -> HttpResponse:
    """Contacts (each verified by a code sent to it), channels with their consent, language."""
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    contact_form = ContactForm(request.POST if action == "send-code" else None)
    code_form = CodeForm(request.POST if action == "verify" else None)
    current = selectors.settings_of(user)
    preference_form = PreferencesForm(
        request.POST if action == "preferences" else None,
        official=not user.is_citizen,
        initial=_initial_preferences(current),
    )
    form = {"send-code": contact_form, "verify": code_form, "preferences": preference_form}.get(action)
    if form is not None and form.is_valid():
        try:
            done = _apply(request, action, form)
        except InvalidInput as error:
            for field, errors in error.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, done)
            return redirect("notifications:preferences")
    context = {
        "current": selectors.settings_of(user),
        "contact_form": contact_form,
        "code_form": code_form,
        "preference_form": preference_form,
        "action": action,
        "kind": request.POST.get("kind", ""),
        "consent_version": services.CONSENT_TEXT_VERSION,
        "vapid_public_key": settings.TINHSO_VAPID_PUBLIC_KEY,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "notifications/preferences.html", context, status=status)


def _initial_preferences(current: selectors.Settings) -> dict[str, object]:
    preference = current.preference
    order = preference.order if preference and preference.order else selectors.DEFAULT_ORDER
    initial: dict[str, object] = {
        "first": order[0],
        "language": preference.language if preference else translation.get_language(),
        "daily_digest": bool(preference and preference.daily_digest),
    }
    return initial | {choice_field(c, p): allowed for (c, p), allowed in current.choices.items()}


def _apply(request: SignedInRequest, action: str, form: forms.Form) -> str:
    data = form.cleaned_data
    if action == "send-code":
        services.start_verification(actor=request.user, kind=data["kind"], address=data["address"])
        return str(_("Đã gửi mã xác minh; nhập mã bên dưới."))
    if action == "verify":
        services.confirm_contact(actor=request.user, kind=data["kind"], code=data["code"])
        return str(_("Đã xác minh; Tỉnh số sẽ gửi thông báo đến địa chỉ này."))
    assert isinstance(form, PreferencesForm)
    services.save_preferences(
        actor=request.user,
        order=form.order(),
        choices=form.choices(),
        language=data["language"],
        daily_digest=data.get("daily_digest", False),
    )
    return str(_("Đã lưu cài đặt thông báo."))


@login_required
@require_POST
def push_subscription(request: SignedInRequest) -> HttpResponse:
    """The service worker's subscription, posted by the settings page's script as JSON."""
    try:
        body = json.loads(request.body)
        endpoint, keys = str(body["endpoint"]), body["keys"]
        services.subscribe_push(
            actor=request.user, endpoint=endpoint, p256dh=str(keys["p256dh"]), auth=str(keys["auth"])
        )
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "invalid_subscription"}, status=400)
    except InvalidInput as error:
        return JsonResponse({"error": error.code}, status=400)
    return JsonResponse({"ok": True}, status=201)


SERVICE_WORKER = Path(__file__).resolve().parent.parent / "web" / "static" / "web" / "dist" / "sw.js"


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker built with the other assets, served from the root so its scope is every page."""
    try:
        script = SERVICE_WORKER.read_bytes()
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def open_suggestion(request: SignedInRequest, pk: int) -> HttpResponse:
    """A suggestion's one click: the procedure's form, filled from the registry and earlier answers."""
    try:
        suggestion = services.open_suggestion(actor=request.user, suggestion_id=pk)
    except NotFound:
        raise Http404 from None
    rule = suggestion.rule
    if rule.procedure_code:
        return redirect("dossiers:submit", rule.procedure_code)
    return redirect(rule.link or "web:home")


@login_required
@require_POST
def dismiss_suggestion(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        services.dismiss_suggestion(actor=request.user, suggestion_id=pk)
    except NotFound:
        raise Http404 from None
    return redirect("web:home")
