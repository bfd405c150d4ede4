"""Pages of the signing app: the public verification page, and the demo's timestamp authority and CRL."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core import throttle
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.files import private_file_response
from tinhso.signing import pki, reports, selectors, services, tsa


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """By code (what the QR code and the stamp print) or by uploading the PDF."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("signing:document", code=code.upper())
    if request.method == "GET":
        return render(request, "signing/verify.html", {})
    upload = request.FILES.get("file")
    if upload is None:
        error = _("Chọn tệp PDF cần kiểm tra.")
        return render(request, "signing/verify.html", {"upload_error": error}, status=400)
    try:
        reports.count_attempt(throttle.client_address(request))
        checked = reports.check_upload(upload.read())
    except DomainError as refusal:
        context = {"upload_error": refusal.message}
        return render(request, "signing/verify.html", context, status=refusal.status)
    return render(request, "signing/verify.html", {"checked": checked, "uploaded": upload.name})


@require_GET
def document(request: HttpRequest, code: str) -> HttpResponse:
    try:
        checked = reports.check_issued(code)
    except NotFound as error:
        return render(request, "signing/verify.html", {"code": code, "code_error": error.message}, status=404)
    may_download = selectors.may_download(actor=request.user, document=checked.issued)
    context = {"checked": checked, "code": code, "may_download": may_download}
    return render(request, "signing/verify.html", context)


@require_GET
def download(request: HttpRequest, code: str) -> FileResponse:
    """The signed copy itself, only to its owner and to officials: it may hold personal data."""
    try:
        signed = selectors.document_by_code(code)
    except NotFound:
        raise Http404 from None
    if not selectors.may_download(actor=request.user, document=signed):
        raise Http404
    return private_file_response(signed.file, content_type="application/pdf", filename=f"{signed.code}.pdf")


@login_required
@require_GET
def data_store(request: SignedInRequest) -> HttpResponse:
    """The citizen's data store: the signed results of their dossiers, each reusable in a later dossier."""
    context = {
        "documents": selectors.data_store(actor=request.user),
        "dossiers": selectors.open_dossiers(actor=request.user),
    }
    return render(request, "signing/data_store.html", context)


@login_required
@require_POST
def reuse(request: SignedInRequest, code: str) -> HttpResponse:
    target = request.POST.get("dossier", "")
    try:
        dossier_code, version = target.rsplit("@", 1)
        services.reuse_in_dossier(
            actor=request.user, document_code=code, dossier_code=dossier_code, version=int(version)
        )
    except ValueError:
        messages.error(request, _("Chọn hồ sơ cần đính kèm."))
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Đã đính kèm kết quả vào hồ sơ %(code)s.") % {"code": dossier_code})
        return redirect("dossiers:detail", code=dossier_code)
    return redirect("signing:data-store")


@csrf_exempt
@require_POST
def timestamp_authority(request: HttpRequest) -> HttpResponse:
    """RFC 3161 over HTTP (demo and test mode only)."""
    if not settings.TINHSO_SIGNING_LOCAL_TSA:
        raise Http404
    if request.content_type != "application/timestamp-query":
        return HttpResponse(status=415)
    try:
        answer = tsa.respond(request.body)
    except ValueError:
        return HttpResponse(status=400)
    return HttpResponse(answer, content_type="application/timestamp-reply")


@require_GET
def revocation_list(request: HttpRequest) -> HttpResponse:
    """The demo root's CRL, where its certificates' distribution points say (demo and test mode only)."""
    path = Path(settings.TINHSO_SIGNING_DEMO_DIR) / pki.CRL
    if not settings.TINHSO_SIGNING_LOCAL_TSA or not path.exists():
        raise Http404
    return HttpResponse(path.read_bytes(), content_type="application/pkix-crl")
