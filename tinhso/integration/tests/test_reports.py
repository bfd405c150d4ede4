"""B11: the platform's traffic over a period and the Decision 766 self-check computed from what was sent to
the national portal (each dossier's newest outbox message), with golden numbers on fixed fixtures."""

from datetime import datetime

import pytest
from django.utils import timezone

from tinhso.core.working_time import local_zone
from tinhso.integration import exchange
from tinhso.integration.models import ExchangeLog, PortalMessage
from tinhso.testing.dossier_flow import submitted
from tinhso.testing.factories import bearer

pytestmark = pytest.mark.django_db
MARCH = {"since": "2026-03-01T00:00:00+07:00", "until": "2026-04-01T00:00:00+07:00"}
SUBMITTED = {"TaiLieuNop": [{"TepDinhKemId": "7", "TenTepDinhKem": "Tờ khai", "DuongDanTaiTepTin": "/7/"}]}
DIGITISED = SUBMITTED | {"DanhSachGiayToKetQua": [{"GiayToId": "KQ1", "TenGiayTo": "Phiếu"}]}


def day(month: int, day: int) -> str:
    return datetime(2026, month, day, 9, 0, tzinfo=local_zone()).isoformat()


def sent(dossier, seq: int, state: str, **body) -> None:
    PortalMessage.objects.create(
        message_id=f"{dossier.code}-{seq}",
        dossier=dossier,
        dossier_code=dossier.code,
        seq=seq,
        status=9,
        body=body,
        state=state,
        next_attempt_at=timezone.now(),
        created_at=datetime(2026, 3, 28, tzinfo=local_zone()),
    )


@pytest.fixture
def synced(cast):
    """Four dossiers as the portal was told of them (what the flow itself queued is set aside)."""
    first, second, third, fourth = (submitted(cast) for _ in range(4))
    PortalMessage.objects.all().delete()
    acknowledged, pending, dead = "acknowledged", "pending", "dead"
    # Only the newest message of a dossier counts: this one said "in person".
    sent(first, 1, acknowledged, KenhThucHien="1", NgayTiepNhan=day(3, 2))
    sent(first, 3, acknowledged, KenhThucHien="2", NgayTiepNhan=day(3, 2), NgayHenTra=day(3, 12),
         NgayKetThucXuLy=day(3, 10), **DIGITISED)  # fmt: skip  # online, on time, digitised
    # Late; its lists have not reached the portal (unacknowledged): not counted digitised.
    sent(second, 2, pending, KenhThucHien="1", NgayTiepNhan=day(3, 5), NgayHenTra=day(3, 18),
         NgayKetThucXuLy=day(3, 20), **DIGITISED)  # fmt: skip
    # The files it was submitted with, but no result: not digitised.
    sent(third, 4, acknowledged, KenhThucHien="2", NgayTiepNhan=day(2, 25), NgayKetThucXuLy=day(3, 3),
         **SUBMITTED)  # fmt: skip
    sent(fourth, 1, dead, KenhThucHien="2", NgayTiepNhan=day(3, 15))  # open, dead-lettered
    return first, second, third, fourth


def test_the_766_self_check_from_the_synced_data(client, admin, synced):
    answer = client.get("/api/v1/integration/statistics", MARCH, **bearer("quantri"))
    check = answer.json()["self_check"]
    assert check["online"] == {"count": 2, "total": 3, "percent": 66.7}  # received in March: 1st, 2nd, 4th
    assert check["on_time"] == {"count": 1, "total": 2, "percent": 50.0}  # the 3rd has no due date
    assert check["digitised"] == {"count": 1, "total": 3, "percent": 33.3}  # only the 1st
    assert check["unacknowledged"] == 2 and check["without_due_date"] == 1
    assert answer.json()["portal_messages"] == {"acknowledged": 3, "dead": 1, "pending": 1}
    client.force_login(admin)
    page = client.get("/tich-hop/quan-tri/thong-ke/", {"tu": "01/03/2026", "den": "31/03/2026"})
    table = page.content.decode().split('id="self-check"')[1].split("</table>")[0]
    assert "66,7 %" in table and "50,0 %" in table and "33,3 %" in table


def test_calls_per_partner_service_and_status_over_the_period(client, admin):
    def call(chain: str, service: str, status: int, when: str) -> None:
        exchange.append(
            direction=ExchangeLog.Direction.INBOUND,
            partner=None,
            service=service,
            method="GET",
            target="/api/v1/lgsp/dossiers/X",
            status=status,
            request_body=b"",
            response_body=b"{}",
            started_at=datetime.fromisoformat(when),
            duration_ms=5,
            chain=chain,
        )

    for when in ("2026-03-01T00:00:00+07:00", "2026-03-31T23:59:00+07:00"):
        call("VN/GOV/A/QLDD", "dossier-status", 200, when)
    call("VN/GOV/A/QLDD", "dossier-status", 403, "2026-03-10T10:00:00+07:00")
    call("-", "", 401, "2026-03-10T10:00:00+07:00")
    call("VN/GOV/A/QLDD", "dossier-status", 200, "2026-04-01T00:00:00+07:00")  # the next period
    rows = client.get("/api/v1/integration/statistics", MARCH, **bearer("quantri")).json()["calls"]
    assert [
        (row["chain"], row["service"], row["status"], row["calls"], row["response_bytes"]) for row in rows
    ] == [
        ("-", "", 401, 1, 2),
        ("VN/GOV/A/QLDD", "dossier-status", 200, 2, 4),
        ("VN/GOV/A/QLDD", "dossier-status", 403, 1, 2),
    ]


def test_only_administrators_see_the_statistics(client, cast):
    client.force_login(cast.desk)
    assert client.get("/tich-hop/quan-tri/thong-ke/").status_code == 404
