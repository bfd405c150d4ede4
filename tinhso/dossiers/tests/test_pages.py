"""Pages: the catalog, the citizen's form and dossiers, the officials' queue and actions, public tracking."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Dossier, Status
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.dossiers import AN_XUYEN, BIRTH, BIRTH_FORM, RECORD, RESIDENCE_FORM

pytestmark = pytest.mark.django_db


def test_the_catalog_pages_search_and_show_what_a_citizen_needs(client, procedures):
    listing = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert "Đăng ký khai sinh" in listing and "Cấp Phiếu lý lịch tư pháp" not in listing
    page = client.get(f"/thu-tuc/{BIRTH}/").content.decode()
    for expected in (
        "Giấy chứng sinh",
        "Miễn lệ phí",
        "tiếp nhận trước 15:00",
        "Lãnh đạo xem xét",
        "Nộp hồ sơ trực tuyến",
    ):
        assert expected in page
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def certificate() -> SimpleUploadedFile:
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
    return SimpleUploadedFile("giay-chung-sinh.pdf", pdf, content_type="application/pdf")


def birth_certificate() -> dict:
    return {"documents.1": certificate()}


def test_the_form_offers_what_the_registry_holds_and_shows_errors_beside_fields(client, cast):
    client.force_login(cast.an)
    page = client.get(f"/thu-tuc/{BIRTH}/nop/").content.decode()
    assert 'value="Nguyễn Văn An"' in page and "Từ Cơ sở dữ liệu quốc gia về dân cư" in page
    key = "5d1c5f0e-trang-nop"
    bad = client.post(
        f"/thu-tuc/{BIRTH}/nop/",
        BIRTH_FORM
        | {
            "child_birth_date": "",
            "mother_citizen_id": "0961",
            "receiving_unit": AN_XUYEN,
            "idempotency_key": key,
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and not Dossier.objects.exists()
    assert 'id="e-child_birth_date" role="alert">Cần nhập thông tin này.' in html
    assert 'id="e-mother_citizen_id" role="alert">Số định danh cá nhân của mẹ gồm 12 chữ số.' in html
    good = BIRTH_FORM | {"receiving_unit": AN_XUYEN, "idempotency_key": key}
    response = client.post(f"/thu-tuc/{BIRTH}/nop/", good | birth_certificate())
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{dossier.code}/"
    # A double click sends the same key (and file) again.
    client.post(f"/thu-tuc/{BIRTH}/nop/", good | birth_certificate())
    assert Dossier.objects.count() == 1 and dossier.receiving_unit.code == AN_XUYEN
    assert dossier.code in client.get("/ho-so/cua-toi/").content.decode()


def test_officials_run_a_dossier_from_their_queue_and_the_citizen_rates_it(client, cast):
    dossier = in_state(cast, "new")
    client.force_login(cast.desk)
    assert dossier.code in client.get("/can-bo/ho-so/").content.decode()
    client.post(f"/ho-so/{dossier.code}/accept/", {"version": 1})
    stale = client.post(
        f"/ho-so/{dossier.code}/refuse/", {"version": 1, "reason": "Thiếu tờ khai"}, follow=True
    )
    assert "vừa được người khác cập nhật" in stale.content.decode()
    client.post(f"/ho-so/{dossier.code}/forward/", {"version": 2})
    client.force_login(cast.specialist)
    client.post(f"/ho-so/{dossier.code}/forward/", {"version": 3, "note": "Đủ điều kiện cấp phiếu"})
    client.force_login(cast.leader)
    result = SimpleUploadedFile("phieu.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    client.post(f"/ho-so/{dossier.code}/finish/", {"version": 4, "result_file": result})
    client.force_login(cast.an)
    # A full-online procedure submitted online issues its result online: the applicant has it at once.
    assert client.get(f"/ho-so/{dossier.code}/ket-qua/").status_code == 200
    client.force_login(cast.desk)
    client.post(f"/ho-so/{dossier.code}/return/", {"version": 5})
    client.force_login(cast.an)
    download = client.get(f"/ho-so/{dossier.code}/ket-qua/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    client.post(f"/ho-so/{dossier.code}/rate/", {"version": 6, "rating": 3})
    dossier.refresh_from_db()
    assert (dossier.status, dossier.rating) == (Status.RETURNED, 3)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Rất hài lòng" in page and "Chuyển bước xử lý (Cán bộ chuyenvien)" in page


def test_no_one_reads_a_dossier_outside_their_scope_and_citizens_have_no_queue(client, cast):
    dossier = in_state(cast, "processing")
    client.force_login(cast.ngoc)
    assert client.get(f"/ho-so/{dossier.code}/").status_code == 404
    assert client.post(f"/ho-so/{dossier.code}/withdraw/", {"version": dossier.version}).status_code == 404
    assert client.get("/can-bo/ho-so/").status_code == 403
    client.force_login(cast.other_commune_desk)
    assert client.get(f"/ho-so/{dossier.code}/").status_code == 404
    assert dossier.code not in client.get("/can-bo/ho-so/").content.decode()


def test_public_tracking_shows_progress_without_personal_data(client, cast):
    dossier = in_state(cast, "processing")
    assert (
        client.get("/ho-so/tra-cuu/", {"code": dossier.code})["Location"] == f"/ho-so/tra-cuu/{dossier.code}/"
    )
    page = client.get(f"/ho-so/tra-cuu/{dossier.code}/").content.decode()
    assert "Đang xử lý" in page and "Tiếp nhận hồ sơ" in page and "Nguyễn Văn An" not in page
    missing = client.get("/ho-so/tra-cuu/000.00.01.H12-260101-9999/")
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ" in missing.content.decode()


def test_a_receptionist_lodges_a_dossier_at_the_desk_and_other_officials_cannot(client, cast):
    client.force_login(cast.specialist)
    response = client.get(f"/thu-tuc/{RECORD}/nop/")
    assert response.status_code == 302 and response["Location"] == f"/thu-tuc/{RECORD}/"
    client.force_login(cast.desk)
    page = client.get(f"/thu-tuc/{RECORD}/nop/").content.decode()
    assert "Nộp hồ sơ tại quầy" in page and "Trung tâm Phục vụ hành chính công" in page
    form = {"certificate_type": "Phiếu số 2", "purpose": "Đi lao động ở nước ngoài", "copies": "2"}
    lodged = form | {
        "applicant_citizen_id": "096195004321",
        "channel": "1",
        "receiving_unit": "000.00.01.H12",
    }
    response = client.post(f"/thu-tuc/{RECORD}/nop/", lodged)
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/ho-so/{dossier.code}/"
    assert (dossier.applicant, dossier.channel, dossier.form_data["copies"]) == (cast.ngoc, 1, 2)
    unknown = client.post(
        f"/thu-tuc/{RECORD}/nop/", lodged | {"applicant_citizen_id": "096099999999"}, follow=True
    )
    assert "Không tìm thấy tài khoản công dân" in unknown.content.decode() and Dossier.objects.count() == 1


def test_the_receipt_and_other_forms_print_as_pdf_only_once_they_exist(client, cast):
    dossier = in_state(cast, "new")
    client.force_login(cast.an)
    assert client.get(f"/ho-so/{dossier.code}/van-ban/giay-tiep-nhan.pdf").status_code == 404
    accepted = in_state(cast, "accepted")
    detail = client.get(f"/ho-so/{accepted.code}/").content.decode()
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in detail and "Thông báo dừng" not in detail
    receipt = client.get(f"/ho-so/{accepted.code}/van-ban/giay-tiep-nhan.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF-")
    assert client.get(f"/ho-so/{accepted.code}/van-ban/thong-bao-dung.pdf").status_code == 404
    client.force_login(cast.ngoc)
    assert client.get(f"/ho-so/{accepted.code}/van-ban/giay-tiep-nhan.pdf").status_code == 404


def test_the_form_takes_attachments_and_refuses_a_disguised_file_beside_the_upload(client, cast):
    client.force_login(cast.an)
    form = {"certificate_type": "Phiếu số 1", "purpose": "Bổ sung hồ sơ xin việc", "copies": "1"}
    disguised = SimpleUploadedFile("cccd.jpg", b"MZ\x90\x00", content_type="image/jpeg")
    page = client.post(f"/thu-tuc/{RECORD}/nop/", form | {"attachments": [disguised]}).content.decode()
    assert "“cccd.jpg” không phải tệp PDF, JPEG hoặc PNG." in page and not Dossier.objects.exists()
    pdf = SimpleUploadedFile("to-khai.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    client.post(f"/thu-tuc/{RECORD}/nop/", form | {"attachments": [pdf]})
    dossier = Dossier.objects.get()
    document = dossier.documents.get()
    assert document.name in client.get(f"/ho-so/{dossier.code}/").content.decode()
    download = client.get(f"/ho-so/{dossier.code}/giay-to/{document.pk}/")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    client.force_login(cast.ngoc)
    assert client.get(f"/ho-so/{dossier.code}/giay-to/{document.pk}/").status_code == 404


def test_the_birth_bundle_is_one_page_making_linked_dossiers_once(client, cast):
    assert "/lien-thong/LT-KHAISINH/nop/" in client.get("/thu-tuc/").content.decode()
    assert "/lien-thong/LT-KHAISINH/nop/" in client.get(f"/thu-tuc/{BIRTH}/").content.decode()
    client.force_login(cast.an)
    page = client.get("/lien-thong/LT-KHAISINH/nop/").content.decode()
    assert 'name="1.001193__father_full_name" value="Nguyễn Văn An"' in page
    # The child's name and birth date, asked by two procedures, are asked once.
    assert page.count('name="shared__child_full_name"') == 1 and "__child_full_name" not in page.replace(
        "shared__child_full_name", ""
    )
    shared = ("child_full_name", "child_birth_date")
    posted = {"receiving_unit": AN_XUYEN, "idempotency_key": "lt-0001"}
    posted |= {f"shared__{name}": BIRTH_FORM[name] for name in shared}
    posted |= {f"{BIRTH}__{name}": value for name, value in BIRTH_FORM.items() if name not in shared}
    posted |= {f"1.004222__{name}": value for name, value in RESIDENCE_FORM.items()}
    incomplete = client.post(
        "/lien-thong/LT-KHAISINH/nop/", posted | {f"{BIRTH}__documents.1": certificate()}
    )
    html = incomplete.content.decode()
    assert 'id="e-H12-BHYT-01__primary_care_facility" role="alert">Cần nhập thông tin này.' in html
    assert not Dossier.objects.exists()
    posted["H12-BHYT-01__primary_care_facility"] = "Trạm Y tế phường An Xuyên"
    answer = client.post("/lien-thong/LT-KHAISINH/nop/", posted | {f"{BIRTH}__documents.1": certificate()})
    assert answer["Location"] == "/ho-so/cua-toi/"
    # Sent twice: still one application.
    client.post("/lien-thong/LT-KHAISINH/nop/", posted | {f"{BIRTH}__documents.1": certificate()})
    dossiers = list(Dossier.objects.order_by("pk"))
    assert [d.procedure.code for d in dossiers] == [BIRTH, "1.004222", "H12-BHYT-01"]
    assert {d.group_code for d in dossiers} == {dossiers[0].code}


def test_a_second_application_offers_earlier_answers_about_the_applicant_but_not_the_matter(client, cast):
    services.submit_dossier(
        actor=cast.an, procedure_code=BIRTH, form_data=BIRTH_FORM, receiving_unit_code=AN_XUYEN
    )
    client.force_login(cast.an)
    page = client.get(f"/thu-tuc/{BIRTH}/nop/").content.decode()
    assert 'name="mother_full_name" value="Trần Thị Bích Ngọc"' in page and "Từ hồ sơ trước của bạn" in page
    assert BIRTH_FORM["child_full_name"] not in page


def test_consulting_another_agency_from_the_dossier_page(client, cast):
    from tinhso.core.models import Role
    from tinhso.testing.factories import CONSTRUCTION, official

    builder = official("chuyenvien.xaydung", (Role.SPECIALIST, CONSTRUCTION))
    dossier = in_state(cast, "processing")
    client.force_login(cast.specialist)
    assert "Sở Xây dựng tỉnh Cà Mau" in client.get(f"/ho-so/{dossier.code}/").content.decode()
    question = {"version": dossier.version, "unit_code": CONSTRUCTION, "reason": "Xin ý kiến về quy hoạch"}
    client.post(f"/ho-so/{dossier.code}/consult/", question)
    client.force_login(builder)
    assert dossier.code in client.get("/can-bo/ho-so/").content.decode()
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Trả lời xin ý kiến" in page and "Đang xin ý kiến" in page
    client.post(
        f"/ho-so/{dossier.code}/answer-consultation/", {"version": dossier.version + 1, "reason": "Phù hợp"}
    )
    dossier.refresh_from_db()
    assert dossier.consulted_unit is None and dossier.version == 5


def test_fees_from_the_dossier_page(client, cast):
    dossier = in_state(cast, "processing")
    client.force_login(cast.specialist)
    client.post(f"/ho-so/{dossier.code}/request-payment/", {"version": 3, "amount": "200000", "note": "Phí"})
    client.force_login(cast.desk)
    assert "Xác nhận đã nộp" in client.get(f"/ho-so/{dossier.code}/").content.decode()
    client.post(f"/ho-so/{dossier.code}/confirm-payment/", {"version": 4, "note": "BL-2026-000871"})
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert selectors.events_of(dossier).last().payload["receipt"] == "BL-2026-000871"


def test_malformed_numbers_in_an_action_are_answered_and_change_nothing(client, cast):
    dossier = in_state(cast, "new")
    client.force_login(cast.desk)
    for version in ("²", "9" * 30, "-1"):
        assert client.post(f"/ho-so/{dossier.code}/accept/", {"version": version}).status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == Status.NEW and dossier.version == 1
    returned = in_state(cast, "returned")
    client.force_login(cast.an)
    page = client.post(
        f"/ho-so/{returned.code}/rate/", {"version": returned.version, "rating": "²"}, follow=True
    )
    assert page.status_code == 200
    returned.refresh_from_db()
    assert returned.rating is None
