"""The digitisation lists synced to the national portal (TaiLieuNop, DanhSachGiayToKetQua): the files a
dossier was submitted with and its signed result, as references without contents or personal data, read for
a whole round of messages at once; and the 766 self-check counting what reached the portal with them."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.dossiers import services as dossier_services
from tinhso.integration import portal as relay_module
from tinhso.integration import reports
from tinhso.integration.models import PortalMessage
from tinhso.signing.models import SignedDocument
from tinhso.testing.dossier_flow import pdf, submitted

pytestmark = pytest.mark.django_db
EXEMPTION = 3  # the judicial record procedure's third document: proof of a fee exemption (optional)


def with_files(cast):
    """A dossier submitted, given a file for the exemption and one answering no document, then accepted."""
    dossier = submitted(cast)
    for requirement in (EXEMPTION, None):
        dossier = dossier_services.attach_documents(
            actor=cast.an,
            code=dossier.code,
            version=dossier.version,
            attachments=[pdf()],
            requirement=requirement,
        )
    return dossier_services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)


def advance(dossier, call, actor, **kwargs):
    return call(actor=actor, code=dossier.code, version=dossier.version, **kwargs)


def signed_result(dossier, code: str) -> SignedDocument:
    """What the signing job keeps after the result is recorded (its PDF is not needed here)."""
    return SignedDocument.objects.create(
        code=code,
        kind=SignedDocument.Kind.RESULT,
        subject=dossier.code,
        title=dossier.procedure.name[:200],
        sha256="0" * 64,
        signer="Sở Tư pháp",
        serial="1A",
        timestamped=False,
        signed_at=timezone.now(),
        owner=dossier.applicant,
    )


def test_a_dossier_with_files_and_a_signed_result_syncs_both_lists(cast, portal, admin, settings):
    started = timezone.now()
    dossier = with_files(cast)
    relay_module.relay()
    at_reception = portal.documents(dossier.code)
    assert [item["TenTepDinhKem"] for item in at_reception["TaiLieuNop"]] == [
        "Giấy tờ chứng minh thuộc trường hợp được miễn, giảm phí (nếu có)",
        relay_module.OTHER_DOCUMENT,
    ]
    assert [item["MaThanhPhanHoSo"] for item in at_reception["TaiLieuNop"]] == ["3", ""]
    assert [(item["DuocSoHoa"], item["DuocTaiSuDung"]) for item in at_reception["TaiLieuNop"]] == [
        ("1", "0")
    ] * 2
    assert (at_reception["HoSoCoThanhPhanSoHoa"], at_reception["DuocThanhToanTrucTuyen"]) == ("1", "0")
    first = dossier.documents.order_by("pk").first()
    assert at_reception["TaiLieuNop"][0]["DuongDanTaiTepTin"] == (
        f"{settings.TINHSO_PUBLIC_URL}/ho-so/{dossier.code}/giay-to/{first.pk}/"
    )
    assert at_reception["DanhSachGiayToKetQua"] == []  # nothing is signed yet
    dossier = advance(dossier, dossier_services.forward, cast.desk)
    dossier = advance(dossier, dossier_services.forward, cast.specialist)
    dossier = advance(dossier, dossier_services.finish, cast.leader, result_file=pdf())
    signed_result(dossier, "KQ0000000001")
    newest = signed_result(dossier, "KQ0000000002")  # signed again: the portal hears of the newest copy
    advance(dossier, dossier_services.return_result, cast.desk)
    relay_module.relay()
    returned = portal.documents(dossier.code)
    assert len(returned["TaiLieuNop"]) == 2
    assert returned["DanhSachGiayToKetQua"] == [
        {
            "GiayToId": newest.code,
            "TenGiayTo": dossier.procedure.name[:200],
            "DuongDanTepTinKetQua": f"{settings.TINHSO_PUBLIC_URL}/xac-thuc/{newest.code}/",
        }
    ]
    sent = json.dumps(portal.received, ensure_ascii=False)
    assert "phieu-lltp.pdf" not in sent and "JVBERi" not in sent  # no uploaded name, no contents
    last = PortalMessage.objects.filter(dossier=dossier).order_by("-seq").first()
    assert (
        last.state == PortalMessage.State.ACKNOWLEDGED
        and last.body["DanhSachGiayToKetQua"] == returned["DanhSachGiayToKetQua"]
    )
    check = reports.self_check(actor=admin, since=started, until=timezone.now() + timedelta(minutes=1))
    assert (check.digitised.count, check.digitised.total) == (1, 1)


def test_the_portal_refuses_a_list_item_carrying_more_than_references(portal):
    from tinhso.integration.fakes import SUCCESS

    portal.sessions.add("s")
    request = {"session": "s", "service": "DongBoHoSoMC"}
    dossier = {"MaHoSo": "X", "TrangThaiHoSo": "2"}
    item = {"TepDinhKemId": "1", "TenTepDinhKem": "Tờ khai", "DuongDanTaiTepTin": "https://x/1"}
    ok = json.dumps(request | {"data": [dossier | {"TaiLieuNop": [item]}]}).encode()
    with_contents = request | {"data": [dossier | {"TaiLieuNop": [item | {"NoiDung": "JVBERi0x"}]}]}
    assert portal.handle("/integration", ok, {"x-lgsp-id": "m1"})[1]["error_code"] == SUCCESS
    assert portal.handle("/integration", json.dumps(with_contents).encode(), {})[1]["error_code"] == "02"


def _reads(queries: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    """The relay's statements split into those each message costs (its three logged calls to the portal and
    the acknowledgement) and the others (the round's reads)."""
    per_message: list[str] = []
    others: list[str] = []
    for query in queries:
        sql = query["sql"]
        each = (
            "integration_exchange" in sql
            or sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
            or (sql.startswith("UPDATE") and "integration_portalmessage" in sql)
        )
        (per_message if each else others).append(sql)
    return per_message, others


def _relayed(count: int, cast) -> list[dict[str, str]]:
    for _ in range(count):
        dossier = with_files(cast)
        signed_result(dossier, f"KQ{dossier.pk:010d}")
    with CaptureQueriesContext(connection) as captured:
        assert relay_module.relay() == count
    return captured.captured_queries


def test_the_relay_reads_the_documents_of_a_round_at_once(cast, portal):
    _relayed(1, cast)  # logs in: the session is kept for the runs measured
    one, ten = _relayed(1, cast), _relayed(10, cast)
    (each_of_one, reads_of_one), (each_of_ten, reads_of_ten) = _reads(one), _reads(ten)
    assert len(reads_of_ten) == len(reads_of_one)  # however many messages, the same reads
    assert len(each_of_ten) == 10 * len(each_of_one)
    tables = ("dossierdocument", "signeddocument", "paymentorder")
    documents = [sql for sql in reads_of_ten if any(table in sql for table in tables)]
    assert len(documents) == 4  # files, reused results, signed results, fees paid online
    assert all(len(portal.documents(code)["TaiLieuNop"]) == 2 for code in portal.dossiers)


@pytest.fixture
def signing_key(settings, tmp_path):
    """A signing key in place, as `tinhso signing init-demo-ca` or a province's own key leaves it."""
    key = tmp_path / "signer.p12"
    key.write_bytes(b"a key file")
    settings.TINHSO_SIGNING_PROFILES = {
        name: profile | {"key": str(key)} for name, profile in settings.TINHSO_SIGNING_PROFILES.items()
    }


def finished(cast, **kwargs):
    dossier = with_files(cast)
    dossier = advance(dossier, dossier_services.forward, cast.desk)
    dossier = advance(dossier, dossier_services.forward, cast.specialist)
    return advance(dossier, dossier_services.finish, cast.leader, **kwargs)


def test_a_finished_dossier_waits_for_its_result_to_be_signed(cast, portal, signing_key):
    from tinhso.dossiers import events as dossier_events

    dossier = finished(cast, result_file=pdf())
    dossier = advance(dossier, dossier_services.return_result, cast.desk)
    relay_module.relay()
    held = PortalMessage.objects.get(dossier=dossier, body__NoiDungXuLy=dossier_events.FINISHED)
    assert held.state == PortalMessage.State.PENDING and held.attempts == 0
    assert PortalMessage.objects.filter(dossier=dossier, seq__gt=held.seq, state="acknowledged").count() == 0
    newest = signed_result(dossier, "KQ0000000009")  # the signing job's next run
    relay_module.relay(now=timezone.now() + relay_module.HELD_FOR)
    held.refresh_from_db()
    assert held.state == PortalMessage.State.ACKNOWLEDGED
    assert [item["GiayToId"] for item in held.body[relay_module.RESULTS]] == [newest.code]
    assert PortalMessage.objects.filter(dossier=dossier).exclude(state="acknowledged").count() == 0


def test_an_unsigned_result_goes_without_once_the_wait_is_over(cast, portal, signing_key):
    from tinhso.dossiers import events as dossier_events

    dossier = finished(cast, result_file=pdf())
    relay_module.relay()
    relay_module.relay(now=timezone.now() + relay_module.SIGNING_WAIT + timedelta(seconds=1))
    message = PortalMessage.objects.get(dossier=dossier, body__NoiDungXuLy=dossier_events.FINISHED)
    assert message.state == PortalMessage.State.ACKNOWLEDGED and message.body[relay_module.RESULTS] == []


def test_nothing_waits_when_the_platform_signs_nothing(cast, portal, settings):
    from tinhso.dossiers import events as dossier_events

    settings.TINHSO_SIGNING_PROFILES = {
        name: profile | {"key": "/nowhere/signer.p12"}
        for name, profile in settings.TINHSO_SIGNING_PROFILES.items()
    }
    dossier = finished(cast, result_file=pdf())
    relay_module.relay()
    message = PortalMessage.objects.get(dossier=dossier, body__NoiDungXuLy=dossier_events.FINISHED)
    assert message.state == PortalMessage.State.ACKNOWLEDGED


def test_a_reused_result_and_a_fee_paid_online_reach_the_portal_flagged(cast, portal, client):
    from tinhso.testing.dossier_flow import in_state
    from tinhso.testing.payments import ipn, started_order

    paid = in_state(cast, "payment")
    order = started_order(cast.an, paid.code)
    assert client.get("/thanh-toan/vnpay/ipn", ipn(order)).json()["RspCode"] == "00"
    stored = signed_result(submitted(cast), "KQ0000000100")  # a result in the citizen's data store
    reused = pdf()
    SignedDocument.objects.filter(pk=stored.pk).update(sha256=hashlib.sha256(reused.read()).hexdigest())
    dossier = submitted(cast)
    for attachment in (pdf(), ContentFile(b"%PDF-1.7 another scan", name="scan.pdf")):
        dossier = dossier_services.attach_documents(
            actor=cast.an, code=dossier.code, version=dossier.version, attachments=[attachment]
        )
    dossier_services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)
    relay_module.relay()
    with_files, with_fee = portal.documents(dossier.code), portal.documents(paid.code)
    assert sorted(item["DuocTaiSuDung"] for item in with_files["TaiLieuNop"]) == ["0", "1"]
    assert (with_files["HoSoCoThanhPhanSoHoa"], with_files["DuocThanhToanTrucTuyen"]) == ("1", "0")
    assert (with_fee["HoSoCoThanhPhanSoHoa"], with_fee["DuocThanhToanTrucTuyen"]) == ("0", "1")


def test_the_portal_refuses_a_flag_that_is_not_0_or_1(portal):
    from tinhso.integration.fakes import SUCCESS

    portal.sessions.add("s")
    dossier = {"MaHoSo": "X", "TrangThaiHoSo": "2", "DuocThanhToanTrucTuyen": "1"}
    request = {"session": "s", "service": "DongBoHoSoMC", "data": [dossier]}
    assert portal.handle("/integration", json.dumps(request).encode(), {})[1]["error_code"] == SUCCESS
    request["data"] = [dossier | {"DuocThanhToanTrucTuyen": "yes"}]
    assert portal.handle("/integration", json.dumps(request).encode(), {})[1]["error_code"] == "02"
