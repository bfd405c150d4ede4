"""Demo dossiers in every stage, so each demo account has work waiting in its queue. Needs the demo
accounts (core and catalog demos); made only once, through the same services as real dossiers."""

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.text import slugify
from unidecode import unidecode

from tinhso.catalog import selectors as catalog_selectors
from tinhso.core.demo import DEMO_PEOPLE
from tinhso.core.models import User
from tinhso.core.production import DEMO_PASSWORD
from tinhso.core.services import register_citizen
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.validation import to_upload

SCAN = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
RECORD_FORM = {"certificate_type": "Phiếu số 1", "purpose": "Bổ sung hồ sơ xin việc", "copies": 1}


def _citizen(index: int) -> User:
    citizen_id = DEMO_PEOPLE[index][0]
    user = User.objects.filter(citizen_id=citizen_id).first()
    return user or register_citizen(citizen_id=citizen_id, password=DEMO_PASSWORD, demo=True)


def _step(call, dossier: Dossier, actor: str, **kwargs) -> Dossier:
    return call(actor=User.objects.get(username=actor), code=dossier.code, version=dossier.version, **kwargs)


def papers(procedure_code: str) -> dict[int, list[File]]:
    """A scanned page for each document the applicant must upload, so the demo dossiers are complete."""
    procedure = catalog_selectors.current_procedure(procedure_code)
    return {
        document.order: [ContentFile(SCAN, name=f"{slugify(unidecode(document.name))[:60]}.pdf")]
        for document in procedure.documents.all()
        if to_upload(document)
    }


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    if not with_accounts or Dossier.objects.exists():
        return []
    an, ngoc, phuc = _citizen(0), _citizen(1), _citizen(2)
    commune = f"32002.{settings.TINHSO_PROVINCE}"

    def submit(applicant: User, procedure: str, form: dict, desk: str | None = None) -> Dossier:
        dossier, _ = services.submit_dossier(
            actor=applicant,
            procedure_code=procedure,
            form_data=form,
            receiving_unit_code=desk,
            documents=papers(procedure),
        )
        return dossier

    submit(an, "H12-LLTP-01", RECORD_FORM)  # waits at the centre's desk
    record = submit(ngoc, "H12-LLTP-01", RECORD_FORM | {"purpose": "Xin cấp giấy phép lao động"})
    record = _step(services.accept, record, "motcua")
    _step(services.forward, record, "motcua")  # waits for the Department of Justice's specialist
    birth = submit(
        an,
        "1.001193",
        {
            "child_full_name": "Nguyễn Minh Khang",
            "child_birth_date": "2026-11-02",
            "child_sex": "Nam",
            "birth_place": "Bệnh viện Sản - Nhi tỉnh Cà Mau",
            "mother_full_name": "Võ Thị Mỹ Linh",
            "mother_citizen_id": DEMO_PEOPLE[5][0],
            "father_full_name": DEMO_PEOPLE[0][1],
            "father_citizen_id": DEMO_PEOPLE[0][0],
            "relationship_to_child": "Cha",
        },
        commune,
    )
    birth = _step(services.accept, birth, "motcua.anxuyen")
    _step(services.forward, birth, "motcua.anxuyen")  # waits for the commune's civil-status officer
    residence_form = {
        "address": "Số 8 Đường Phan Ngọc Hiển, Khóm 1, Phường An Xuyên",
        "relationship_to_head": "Chủ hộ",
    }
    residence = submit(phuc, "1.004222", residence_form, commune)
    residence = _step(services.accept, residence, "motcua.anxuyen")
    residence = _step(services.forward, residence, "motcua.anxuyen")
    _step(
        services.request_supplement,
        residence,
        "tuphap.anxuyen",
        reason="Bổ sung hợp đồng thuê nhà có công chứng hoặc chứng thực.",
    )
    certified = submit(ngoc, "2.000815", {"document_name": "Bằng tốt nghiệp đại học", "copies": 3}, commune)
    certified = _step(services.accept, certified, "motcua.anxuyen")
    certified = _step(services.forward, certified, "motcua.anxuyen")
    certified = _step(services.forward, certified, "tuphap.anxuyen")
    _step(services.stop, certified, "chutich.anxuyen", reason="Bản chính có dấu hiệu tẩy xóa.")
    refused = submit(phuc, "H12-LLTP-01", RECORD_FORM | {"copies": 2})
    _step(services.refuse, refused, "motcua", reason="Tờ khai chưa ghi quá trình cư trú từ đủ 14 tuổi.")
    card = submit(
        an,
        "H12-BHYT-01",
        {
            "child_full_name": "Nguyễn Minh Khang",
            "child_birth_date": "2026-11-02",
            "primary_care_facility": "Trạm Y tế phường An Xuyên",
        },
        commune,
    )
    _step(services.withdraw, card, an.username, reason="Nộp trùng hồ sơ liên thông.")
    return [
        f"{user.username:<16} {DEMO_PASSWORD}  công dân {user.full_name} (có hồ sơ mẫu)"
        for user in (ngoc, phuc)
    ]
