"""Submission: dossier codes, form validation in Vietnamese, idempotency, desk lodging, versions, bundles."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tinhso.catalog import selectors as catalog_selectors
from tinhso.catalog.models import Procedure
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.core.models import IdempotencyKey
from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier, DossierCounter, Status
from tinhso.testing.catalog import republish
from tinhso.testing.dossiers import (
    AN_XUYEN,
    BIRTH,
    BIRTH_FORM,
    RECORD,
    RECORD_FORM,
    RESIDENCE,
    RESIDENCE_FORM,
)

pytestmark = pytest.mark.django_db


def submit(actor, procedure=RECORD, form=RECORD_FORM, **kwargs):
    return services.submit_dossier(actor=actor, procedure_code=procedure, form_data=form, **kwargs)


def test_codes_follow_the_national_format_and_restart_per_agency_per_day(cast, clock):
    clock.set(2026, 3, 10, 9, 0)
    first, _ = submit(cast.an)
    second, _ = submit(cast.ngoc)
    commune, _ = submit(cast.an, RESIDENCE, RESIDENCE_FORM, receiving_unit_code=AN_XUYEN)
    assert re.fullmatch(r"[0-9A-Z.]+-\d{6}-\d{4}", first.code)
    assert (first.code, second.code) == ("000.00.01.H12-260310-0001", "000.00.01.H12-260310-0002")
    assert commune.code == "32002.H12-260310-0001"
    clock.set(2026, 3, 11, 0, 5)  # 5 past midnight in Cà Mau, still 10 March in UTC
    assert submit(cast.an)[0].code == "000.00.01.H12-260311-0001"


def test_a_form_that_breaks_the_schema_gets_vietnamese_errors_beside_each_field_and_nothing_is_kept(cast):
    form = BIRTH_FORM | {"child_birth_date": "02/02/2026", "mother_citizen_id": "12345", "child_sex": "Khác"}
    del form["birth_place"]
    with pytest.raises(InvalidInput) as refused:
        submit(cast.an, BIRTH, form | {"ghi_chu": "x"}, receiving_unit_code=AN_XUYEN)
    assert refused.value.errors == {
        "birth_place": ["Cần nhập thông tin này."],
        "child_birth_date": ["Phải là ngày (năm-tháng-ngày, ví dụ 2026-02-02) hợp lệ."],
        "child_sex": ["Phải là một trong: Nam, Nữ."],
        "ghi_chu": ["Thông tin này không có trong biểu mẫu."],
        "mother_citizen_id": ["Số định danh cá nhân của mẹ gồm 12 chữ số."],
    }
    assert not Dossier.objects.exists() and not DossierCounter.objects.filter(last__gt=0).exists()


def test_a_retried_submission_with_the_same_key_returns_the_first_dossier(cast):
    first, created = submit(cast.an, idempotency_key="b7c1-2026-03-10")
    again, created_again = submit(cast.an, idempotency_key="b7c1-2026-03-10")
    assert (created, created_again) == (True, False) and again.pk == first.pk
    assert Dossier.objects.count() == 1
    other_user, created = submit(cast.ngoc, idempotency_key="b7c1-2026-03-10")
    assert created and other_user.pk != first.pk
    with pytest.raises(Conflict) as reused:
        submit(cast.an, form=RECORD_FORM | {"copies": 2}, idempotency_key="b7c1-2026-03-10")
    assert reused.value.code == "idempotency_key_reused"
    assert Dossier.objects.count() == 2


def test_a_refused_submission_leaves_its_key_free_for_the_corrected_retry(cast):
    with pytest.raises(InvalidInput):
        submit(cast.an, form={"purpose": ""}, idempotency_key="k-1")
    assert not IdempotencyKey.objects.exists()
    assert submit(cast.an, idempotency_key="k-1")[1]


def test_a_receptionist_lodges_a_dossier_at_the_desk_for_a_citizen(cast):
    dossier, _ = submit(cast.desk, channel=Channel.IN_PERSON, applicant_citizen_id="096195004321")
    assert (dossier.applicant, dossier.channel, dossier.acknowledge_due_at) == (cast.ngoc, 1, None)
    with pytest.raises(Forbidden):
        submit(cast.an, channel=Channel.IN_PERSON)
    with pytest.raises(Forbidden):
        submit(cast.commune_desk, channel=Channel.IN_PERSON, applicant_citizen_id="096195004321")
    with pytest.raises(InvalidInput):
        submit(cast.desk, channel=Channel.ONLINE, applicant_citizen_id="096195004321")


def test_a_dossier_keeps_the_procedure_version_it_was_received_under(cast):
    dossier, _ = submit(cast.an)
    old = dossier.procedure
    new = republish(catalog_selectors.procedure_by_code(RECORD), name=old.name + " (sửa đổi)")
    dossier.refresh_from_db()
    assert dossier.procedure == old and dossier.procedure.version == 1
    assert submit(cast.ngoc)[0].procedure == new


def test_a_version_another_process_replaced_is_caught_by_the_number_and_the_current_one_used(
    cast, monkeypatch
):
    monkeypatch.setattr(catalog_selectors, "LAST_SEEN_SECONDS", 60.0)  # however slow the machine
    first = submit(cast.an)[0]
    new = republish(catalog_selectors.procedure_by_code(RECORD), name=first.procedure.name + " (sửa đổi)")
    assert submit(cast.an)[0].procedure == new  # this process now holds the new version as the current one
    # Another process switches back to version 1: no signal reaches this process, only the database knows.
    Procedure.objects.filter(pk=new.pk).update(is_current=False)
    Procedure.objects.filter(pk=first.procedure.pk).update(is_current=True)
    third = submit(cast.ngoc)[0]
    assert third.procedure == first.procedure
    # The refused upsert took no number: the codes follow on.
    assert [int(code[-4:]) for code in Dossier.objects.order_by("pk").values_list("code", flat=True)] == [
        1,
        2,
        3,
    ]
    Procedure.objects.filter(code=RECORD).update(is_current=False)
    with pytest.raises(NotFound):
        submit(cast.ngoc)
    assert Dossier.objects.count() == 3


def test_a_commune_procedure_needs_a_commune_desk(cast):
    with pytest.raises(InvalidInput) as refused:
        submit(cast.an, RESIDENCE, RESIDENCE_FORM)
    assert "receiving_unit" in refused.value.errors
    with pytest.raises(InvalidInput):
        submit(cast.an, RESIDENCE, RESIDENCE_FORM, receiving_unit_code="96")


def test_the_birth_bundle_creates_linked_dossiers_or_none(cast):
    forms = {
        BIRTH: BIRTH_FORM,
        RESIDENCE: RESIDENCE_FORM,
        "H12-BHYT-01": {
            "child_full_name": "Nguyễn Ngọc Bảo Anh",
            "child_birth_date": "2026-02-02",
            "primary_care_facility": "Trạm Y tế phường An Xuyên",
        },
    }
    with pytest.raises(InvalidInput) as refused:
        services.submit_bundle(
            actor=cast.an,
            bundle_code="LT-KHAISINH",
            forms=forms | {RESIDENCE: {}},
            receiving_unit_code=AN_XUYEN,
        )
    assert "1.004222.address" in refused.value.errors and not Dossier.objects.exists()
    dossiers = services.submit_bundle(
        actor=cast.an, bundle_code="LT-KHAISINH", forms=forms, receiving_unit_code=AN_XUYEN
    )
    assert [d.procedure.code for d in dossiers] == [BIRTH, RESIDENCE, "H12-BHYT-01"]
    assert {d.group_code for d in dossiers} == {dossiers[0].code}
    assert all(d.status == Status.NEW for d in dossiers)


def upload(name: str, content: bytes) -> ContentFile:
    return ContentFile(content, name=name)


PDF = b"%PDF-1.7\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_attachments_are_checked_by_content_size_and_count_before_anything_is_stored(cast, settings):
    files = [upload("to-khai.pdf", PDF), upload("cccd.png", PNG)]
    dossier, _ = submit(cast.an, attachments=files)
    stored = list(dossier.documents.order_by("name"))
    assert [(d.name, d.content_type, d.size) for d in stored] == [
        ("cccd.png", "image/png", len(PNG)),
        ("to-khai.pdf", "application/pdf", len(PDF)),
    ]
    assert stored[1].file.read() == PDF
    media = Path(settings.PRIVATE_MEDIA_ROOT)
    before = sorted(media.rglob("*"))
    too_big = upload("ban-ve.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    disguised = upload("anh-chup.jpg", b"MZ\x90\x00 a Windows program")
    with pytest.raises(InvalidInput) as refused:
        submit(cast.ngoc, attachments=[upload("don.pdf", PDF), too_big, disguised])
    assert refused.value.errors["attachments"] == [
        "“ban-ve.pdf” lớn hơn 10 MB.",
        "“anh-chup.jpg” không phải tệp PDF, JPEG hoặc PNG.",
    ]
    with pytest.raises(InvalidInput, match="hợp lệ") as refused:
        submit(cast.ngoc, attachments=[upload(f"trang-{i}.pdf", PDF) for i in range(11)])
    assert refused.value.errors["attachments"] == ["Mỗi hồ sơ đính kèm tối đa 10 tệp."]
    assert Dossier.objects.count() == 1 and sorted(media.rglob("*")) == before


def test_the_applicant_adds_files_while_waiting_for_reception_or_a_supplement_only(cast):
    dossier, _ = submit(cast.an, attachments=[upload("to-khai.pdf", PDF)])
    dossier = services.attach_documents(
        actor=cast.an, code=dossier.code, version=dossier.version, attachments=[upload("cccd.png", PNG)]
    )
    with pytest.raises(InvalidInput) as refused:
        services.attach_documents(
            actor=cast.an,
            code=dossier.code,
            version=dossier.version,
            attachments=[upload(f"trang-{i}.pdf", PDF) for i in range(9)],
        )
    assert refused.value.errors == {"attachments": ["Mỗi hồ sơ đính kèm tối đa 10 tệp."]}
    dossier = services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)
    with pytest.raises(Conflict):
        services.attach_documents(
            actor=cast.an, code=dossier.code, version=dossier.version, attachments=[upload("x.pdf", PDF)]
        )
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    dossier = services.request_supplement(
        actor=cast.specialist, code=dossier.code, version=dossier.version, reason="Bổ sung quá trình cư trú"
    )
    dossier = services.answer_supplement(
        actor=cast.an, code=dossier.code, version=dossier.version, attachments=[upload("cu-tru.pdf", PDF)]
    )
    assert dossier.status == Status.PROCESSING
    assert [d.name for d in dossier.documents.all()] == ["to-khai.pdf", "cccd.png", "cu-tru.pdf"]
