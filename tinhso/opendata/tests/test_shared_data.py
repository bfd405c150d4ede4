"""The register of shared data: databases and services with owner, classification and legal basis; agencies
request access, the owner answers within 2 working days (weekends skipped), a refusal states its reason, and
the integration work asks `access_granted` whether a partner agency holds access."""

from datetime import datetime

import pytest

from tinhso.core.errors import Forbidden, InvalidInput
from tinhso.core.models import Domain, Role
from tinhso.core.working_time import local_zone
from tinhso.opendata import selectors, services
from tinhso.opendata.models import AccessRequest
from tinhso.testing.factories import CONSTRUCTION, JUSTICE, official

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(od):
    services.register_shared_database(
        actor=None, code="csdl-ho-tich", name="Cơ sở dữ liệu hộ tịch điện tử", owner=JUSTICE,
        classification="shared", legal_basis="Luật Hộ tịch 2014; Nghị định 87/2020/NĐ-CP",
    )  # fmt: skip
    services.register_shared_service(actor=None, database="csdl-ho-tich", code="tra-cuu-khai-sinh",
                                     name="Tra cứu thông tin khai sinh", scopes=["doc", "thong-ke"])  # fmt: skip
    return official("lanhdao.sxd", (Role.UNIT_LEADER, CONSTRUCTION, Domain.OPEN_DATA))


def ask(od, **kwargs) -> AccessRequest:
    values = {"service": "tra-cuu-khai-sinh", "requester": CONSTRUCTION, "purpose": "Xác minh hồ sơ cấp phép xây dựng",
              "legal_basis": "Nghị định 175/2024/NĐ-CP", "scopes": ["doc"]} | kwargs  # fmt: skip
    return services.request_access(actor=od.builder_editor, **values)


def test_a_request_is_due_in_two_working_days_and_flagged_when_overdue(od, register):
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=local_zone())
    request = ask(od, now=friday)
    assert request.due_at.astimezone(local_zone()).date().isoformat() == "2026-12-08"  # Tuesday
    assert list(selectors.overdue_requests(now=datetime(2026, 12, 8, 16, 0, tzinfo=local_zone()))) == []
    assert list(selectors.overdue_requests(now=datetime(2026, 12, 9, 8, 0, tzinfo=local_zone()))) == [request]


def test_the_owner_approves_and_access_is_granted(od, register):
    request = ask(od)
    assert not selectors.access_granted(unit_code=CONSTRUCTION, service_code="tra-cuu-khai-sinh")
    with pytest.raises(Forbidden):
        services.answer_access(actor=register, request_id=request.pk, version=1, action="approve")
    services.answer_access(actor=od.leader, request_id=request.pk, version=1, action="approve")
    assert selectors.access_granted(unit_code=CONSTRUCTION, service_code="tra-cuu-khai-sinh", scope="doc")
    assert not selectors.access_granted(
        unit_code=CONSTRUCTION, service_code="tra-cuu-khai-sinh", scope="thong-ke"
    )
    with pytest.raises(InvalidInput):
        services.answer_access(actor=od.leader, request_id=request.pk, version=2, action="revoke")
    services.answer_access(
        actor=od.leader, request_id=request.pk, version=2, action="revoke", reason="Hết nhu cầu"
    )
    assert not selectors.access_granted(unit_code=CONSTRUCTION, service_code="tra-cuu-khai-sinh")


def test_a_refusal_needs_its_reason_and_requests_are_checked(od, register):
    request = ask(od)
    with pytest.raises(InvalidInput) as refused:
        services.answer_access(actor=od.leader, request_id=request.pk, version=1, action="refuse")
    assert "reason" in refused.value.errors
    services.answer_access(actor=od.leader, request_id=request.pk, version=1, action="refuse",
                           reason="Không thuộc phạm vi chia sẻ theo Nghị định 87/2020")  # fmt: skip
    assert AccessRequest.objects.get(pk=request.pk).state == AccessRequest.State.REFUSED
    with pytest.raises(InvalidInput) as wrong:
        ask(od, scopes=["xoa"])
    assert "scopes" in wrong.value.errors
    with pytest.raises(InvalidInput):
        ask(od, purpose=" ")
    with pytest.raises(Forbidden):
        ask(od, requester=JUSTICE)  # the Sở Xây dựng's officer cannot ask for the Sở Tư pháp
