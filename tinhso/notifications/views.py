"""The inbox page: read a notification and follow its link."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import NotFound
from tinhso.notifications import selectors, services
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
