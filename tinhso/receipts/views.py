"""The collecting unit's receipts page: every receipt it issued, each cancelled or replaced with a reason."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError
from tinhso.core.parsing import whole_number
from tinhso.receipts import selectors, services
from tinhso.web.access import official_required

PAGE_SIZE = 50


@official_required
@require_GET
def collected(request: SignedInRequest) -> HttpResponse:
    receipts = selectors.collected_by(actor=request.user)[:PAGE_SIZE]
    return render(request, "receipts/collected.html", {"receipts": receipts})


@official_required
@require_POST
def cancel(request: SignedInRequest, code: str) -> HttpResponse:
    try:
        outcome = services.cancel_receipt(
            actor=request.user,
            code=code,
            version=whole_number(request.POST.get("version", "")) or 0,
            reason=request.POST.get("reason", ""),
            replace=request.POST.get("replace") == "1",
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("receipts:collected")
    if outcome.code != code:
        messages.success(
            request,
            _("Đã hủy biên lai %(old)s và lập biên lai %(new)s.") % {"old": code, "new": outcome.code},
        )
    else:
        messages.success(request, _("Đã hủy biên lai %(code)s.") % {"code": code})
    return redirect("receipts:collected")
