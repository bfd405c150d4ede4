"""Results recorded at the last step and the desk's forms are signed by the platform's job after the event,
once, and the dossier's pages hand out the signed copies."""

import pytest
from django.core.files.base import ContentFile

from tinhso.core.errors import NotFound
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import services as dossier_services
from tinhso.signing import selectors, services, verification
from tinhso.signing.models import SignedDocument
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.signing import sample_pdf

pytestmark = pytest.mark.django_db


def _finish(cast, pdf: bytes):
    dossier = in_state(cast, "at_last_step")
    return dossier_services.finish(
        actor=cast.leader,
        code=dossier.code,
        version=dossier.version,
        result_file=ContentFile(pdf, name="ket-qua.pdf"),
    )


def _read(stored) -> bytes:
    with stored.open("rb") as opened:
        return opened.read()


def test_the_result_is_signed_after_it_is_recorded_and_goes_to_the_applicants_data_store(cast, signing_pki):
    dossier = _finish(cast, sample_pdf("Phiếu lý lịch tư pháp số 1"))

    services.sign_pending()

    result = selectors.signed_result(dossier_code=dossier.code)
    assert result is not None and result.owner == cast.an and result.kind == SignedDocument.Kind.RESULT
    assert result.source_event.action == dossier_events.FINISHED
    [signature] = verification.verify_pdf(_read(result.file)).signatures
    assert signature.intact and signature.trusted and signature.timestamp_trusted
    assert list(selectors.data_store(actor=cast.an)) == [result]


def test_the_desk_forms_are_signed_after_the_events_that_produce_them(cast, signing_pki, client):
    dossier = in_state(cast, "accepted")

    services.sign_pending()

    form = selectors.signed_form(dossier_code=dossier.code, form="giay-tiep-nhan")
    assert form is not None and form.title == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    client.force_login(cast.an)
    page = client.get(f"/ho-so/{dossier.code}/van-ban/giay-tiep-nhan.pdf")
    assert page.status_code == 200 and page.content == _read(form.file)


def test_the_applicant_downloads_the_signed_result(cast, signing_pki, client):
    dossier = _finish(cast, sample_pdf())
    dossier = dossier_services.return_result(actor=cast.desk, code=dossier.code, version=dossier.version)
    services.sign_pending()
    client.force_login(cast.an)

    answer = client.get(f"/ho-so/{dossier.code}/ket-qua/")

    signed = selectors.signed_result(dossier_code=dossier.code)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == _read(signed.file)


def test_each_event_is_signed_once_however_often_the_job_runs(cast, signing_pki):
    _finish(cast, sample_pdf())

    first = services.sign_pending()
    again = services.sign_pending()

    assert first >= 1 and again == 0
    assert SignedDocument.objects.filter(kind=SignedDocument.Kind.RESULT).count() == 1


def test_the_job_signs_right_after_the_commit(cast, signing_pki, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = _finish(cast, sample_pdf())

    assert selectors.signed_result(dossier_code=dossier.code) is not None


def test_a_timestamp_authority_that_is_down_leaves_the_work_for_the_next_run(cast, signing_pki, settings):
    dossier = _finish(cast, sample_pdf())
    working = settings.TINHSO_SIGNING_PROFILES["default"]
    settings.TINHSO_SIGNING_PROFILES = {"default": working | {"tsa_url": "http://127.0.0.1:9/tsa"}}

    assert services.sign_pending() == 0
    assert selectors.signed_result(dossier_code=dossier.code) is None

    settings.TINHSO_SIGNING_PROFILES = {"default": working}
    services.sign_pending()
    assert selectors.signed_result(dossier_code=dossier.code) is not None


def test_a_result_that_cannot_be_signed_holds_up_nothing_else(cast, signing_pki):
    broken = _finish(cast, b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    fine = _finish(cast, sample_pdf())

    services.sign_pending()

    assert selectors.signed_result(dossier_code=broken.code) is None
    assert selectors.signed_result(dossier_code=fine.code) is not None


def test_without_a_signing_key_nothing_is_signed_and_nothing_fails(cast, settings, tmp_path):
    settings.TINHSO_SIGNING_DEMO_DIR = tmp_path / "none"
    profile = settings.TINHSO_SIGNING_PROFILES["default"]
    settings.TINHSO_SIGNING_PROFILES = {"default": profile | {"key": str(tmp_path / "none" / "signer.p12")}}
    _finish(cast, sample_pdf())

    assert services.sign_pending() == 0
    assert not SignedDocument.objects.exists()


def test_a_signed_result_is_reused_in_a_later_dossier_instead_of_an_upload(cast, signing_pki, client):
    first = _finish(cast, sample_pdf("Giấy chứng nhận quyền sử dụng đất"))
    services.sign_pending()
    stored = selectors.signed_result(dossier_code=first.code)
    later = in_state(cast, "supplement")
    client.force_login(cast.an)

    page = client.get("/kho-du-lieu/")
    assert (
        page.status_code == 200
        and stored.code in page.content.decode()
        and later.code in page.content.decode()
    )
    answer = client.post(
        f"/kho-du-lieu/{stored.code}/dinh-kem/", {"dossier": f"{later.code}@{later.version}"}
    )

    assert answer.status_code == 302 and answer["Location"] == f"/ho-so/{later.code}/"
    [attached] = later.documents.all()
    assert _read(attached.file) == _read(stored.file)


def test_nobody_reuses_another_citizens_result(cast, signing_pki):
    first = _finish(cast, sample_pdf())
    services.sign_pending()
    stored = selectors.signed_result(dossier_code=first.code)
    later = in_state(cast, "supplement")

    with pytest.raises(NotFound):
        services.reuse_in_dossier(
            actor=cast.ngoc, document_code=stored.code, dossier_code=later.code, version=later.version
        )
    assert not later.documents.exists()
