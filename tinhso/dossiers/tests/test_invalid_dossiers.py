"""Invalid dossiers are refused, every problem at once, beside its field (issue 18, items 4 and 16): the
documents the procedure requires from the applicant, dates by the form's rules, identity numbers by what they
look like; on the page the first error takes the focus and chosen files are asked again by name."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tinhso.core.errors import Conflict, InvalidInput
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing.browser import sign_in
from tinhso.testing.dossiers import AN_XUYEN, BIRTH, BIRTH_FORM, RECORD, birth_papers

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
CERTIFICATE = "Giấy chứng sinh hoặc văn bản thay giấy chứng sinh"


def birth(actor, form=BIRTH_FORM, **kwargs):
    return services.submit_dossier(
        actor=actor, procedure_code=BIRTH, form_data=form, receiving_unit_code=AN_XUYEN, **kwargs
    )


@pytest.mark.django_db
def test_a_birth_dated_in_the_future_and_without_its_certificate_is_refused_with_both_reasons(cast, clock):
    clock.set(2026, 12, 6, 9, 0)
    with pytest.raises(InvalidInput) as refused:
        birth(cast.an, BIRTH_FORM | {"child_birth_date": "2030-01-15"}, documents={})
    assert refused.value.errors == {
        "documents.1": [f"Cần đính kèm “{CERTIFICATE}”."],
        "child_birth_date": ["Không được là một ngày trong tương lai."],
    }
    assert not Dossier.objects.exists()
    dossier, _ = birth(cast.an, BIRTH_FORM | {"child_birth_date": "2026-12-06"}, documents=birth_papers())
    assert list(dossier.documents.values_list("requirement", "name")) == [(1, "giay-chung-sinh.pdf")]


@pytest.mark.django_db
def test_documents_taken_from_the_registry_or_the_form_itself_need_no_upload(cast):
    dossier, _ = services.submit_dossier(
        actor=cast.an,
        procedure_code=RECORD,
        form_data={"certificate_type": "Phiếu số 1", "purpose": "Xin việc", "copies": 1},
        documents={},
    )
    assert services.accept(actor=cast.desk, code=dossier.code, version=dossier.version).status == 2


@pytest.mark.django_db
def test_reception_refuses_an_online_dossier_still_missing_a_required_document(cast):
    dossier, _ = birth(cast.an)  # the JSON API's way: files follow by attach_documents
    with pytest.raises(Conflict, match=CERTIFICATE):
        services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    dossier = services.attach_documents(
        actor=cast.an,
        code=dossier.code,
        version=dossier.version,
        attachments=[ContentFile(PDF, name="giay-chung-sinh.pdf")],
        requirement=1,
    )
    assert services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version).status == 2


@pytest.mark.django_db
def test_at_the_desk_every_problem_comes_in_one_round(cast):
    with pytest.raises(InvalidInput) as refused:
        services.submit_dossier(
            actor=cast.commune_desk,
            procedure_code=BIRTH,
            form_data={},
            receiving_unit_code=AN_XUYEN,
            channel=1,
            applicant_citizen_id="09609000",
        )
    errors = refused.value.errors
    assert errors["applicant_citizen_id"] == ["Số định danh cá nhân gồm 12 chữ số."]
    assert {"child_full_name", "child_birth_date", "child_sex"} <= set(errors)


@pytest.mark.browser
def test_the_birth_form_flags_every_error_at_once_and_focuses_the_first(page, cast, clock, tmp_path):
    clock.set(2026, 12, 6, 9, 0)
    sign_in(page, username=cast.an.citizen_id, password="Camau@2026")
    page.goto(f"/thu-tuc/{BIRTH}/nop/")
    page.get_by_label("Ngày sinh của trẻ").fill("2030-01-15")
    page.get_by_label("Số định danh cá nhân của mẹ").fill("0961")
    other = tmp_path / "so-ho-khau.pdf"
    other.write_bytes(PDF)
    page.get_by_label("Giấy tờ khác (không bắt buộc)").set_input_files(str(other))
    page.get_by_role("button", name="Nộp hồ sơ").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Nơi nộp hồ sơ: Cần chọn Ủy ban nhân dân xã, phường nơi nộp hồ sơ.")
    expect(summary).to_contain_text("Ngày sinh của trẻ: Không được là một ngày trong tương lai.")
    expect(summary).to_contain_text("Số định danh cá nhân của mẹ gồm 12 chữ số.")
    expect(summary).to_contain_text(f"{CERTIFICATE}: Cần đính kèm")
    expect(page.locator("#e-child_full_name")).to_have_text("Cần nhập thông tin này.")
    expect(page.locator("#e-documents\\.1")).to_have_text(f"Cần đính kèm “{CERTIFICATE}”.")
    # The message is said once, beside its field and in the summary; no second banner repeats it.
    expect(page.locator(".alert-error")).to_have_count(1)
    expect(page.locator("#f-receiving_unit")).to_be_focused()
    expect(page.locator("main")).to_contain_text("Bạn đã chọn so-ho-khau.pdf")

    page.locator("[data-error-summary] a", has_text="Ngày sinh của trẻ").click()
    expect(page.locator("#f-child_birth_date")).to_be_focused()
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_an_api_client_attaches_the_required_document_after_a_json_submission(client, cast):
    from tinhso.testing.factories import bearer

    headers = bearer(cast.an.citizen_id)
    body = {"procedure_code": BIRTH, "form_data": BIRTH_FORM, "receiving_unit": AN_XUYEN}
    created = client.post("/api/v1/dossiers", body, content_type="application/json", **headers).json()
    answer = client.post(
        f"/api/v1/dossiers/{created['code']}/documents",
        {
            "version": created["version"],
            "requirement": 1,
            "files": [ContentFile(PDF, name="giay-chung-sinh.pdf")],
        },
        **headers,
    )
    assert answer.status_code == 200 and answer.json()["documents"][0]["requirement"] == 1
