"""The inbox page: read a notification and follow its link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import NotFound
from tinhso.notifications import selectors, services


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
