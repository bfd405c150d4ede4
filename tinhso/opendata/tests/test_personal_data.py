"""The personal-data guard: an open dataset is published only when the scan of its columns and values finds
nothing, or a reviewer records an exemption with a reason; clean data publishes, each kind of hit refuses."""

import pytest

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.models import Event
from tinhso.opendata import events, services
from tinhso.opendata.models import State
from tinhso.opendata.tests.conftest import SCHOOLS, load, make_dataset, publish

pytestmark = pytest.mark.django_db


def test_clean_data_publishes(od):
    dataset = make_dataset()
    load(dataset, SCHOOLS.encode())
    assert publish(dataset, od.leader).state == State.PUBLISHED


@pytest.mark.parametrize(
    ("table", "kind"),
    [
        ("Họ tên,Xã\nVăn A,Xã Tân Lộc\n", "full_name"),
        ("Ngày sinh,Xã\n1990,Xã Tân Lộc\n", "birth_date"),
        ("CCCD,Xã\n1,Xã Tân Lộc\n", "citizen_id"),
        ("so_dien_thoai,Xã\n1,Xã Tân Lộc\n", "phone"),
        ("Địa chỉ,Xã\nKhóm 3,Xã Tân Lộc\n", "address"),
        ("Email,Xã\nx,Xã Tân Lộc\n", "email"),
        ("Mã số thuế,Xã\n1,Xã Tân Lộc\n", "tax_code"),
        ("Ghi chú,Xã\nNgười nộp 096090001234,Xã Tân Lộc\n", "citizen_id"),
        ("Ghi chú,Xã\nGọi 0913 nhé 0913456789,Xã Tân Lộc\n", "phone"),
        ("Ghi chú,Xã\nlienhe@gmail.com,Xã Tân Lộc\n", "email"),
        ("Ghi chú,Xã\nMST 2000123456,Xã Tân Lộc\n", "tax_code"),
        ("Ghi chú,Xã\nXe 69A-123.45 đỗ sai,Xã Tân Lộc\n", "plate"),
    ],
)
def test_each_kind_of_personal_data_blocks_open_publication(od, table, kind):
    dataset = make_dataset()
    load(dataset, table.encode())
    services.act(actor=od.editor, dataset_id=dataset.pk, version=None, action="submit")
    with pytest.raises(Conflict) as refused:
        services.act(actor=od.leader, dataset_id=dataset.pk, version=None, action="publish")
    assert refused.value.code == "personal_data_found"
    assert kind in {finding["kind"] for finding in refused.value.extra["findings"]}
    dataset.refresh_from_db()
    assert dataset.state == State.REVIEW


def test_a_reviewer_exempts_with_a_reason_and_the_event_keeps_the_findings(od):
    dataset = make_dataset(title="Trụ sở các cơ quan")
    load(dataset, "Cơ quan,Địa chỉ\nSở Tư pháp,Số 2 Hùng Vương\n".encode())
    services.act(actor=od.editor, dataset_id=dataset.pk, version=None, action="submit")
    with pytest.raises(Forbidden):
        services.exempt_personal_data(
            actor=od.editor, dataset_id=dataset.pk, version=None, reason="Địa chỉ cơ quan"
        )
    with pytest.raises(InvalidInput):
        services.exempt_personal_data(actor=od.leader, dataset_id=dataset.pk, version=None, reason="  ")
    services.exempt_personal_data(
        actor=od.leader,
        dataset_id=dataset.pk,
        version=None,
        reason="Địa chỉ trụ sở cơ quan, không phải cá nhân",
    )
    assert (
        services.act(actor=od.leader, dataset_id=dataset.pk, version=None, action="publish").state
        == State.PUBLISHED
    )
    exempted = Event.objects.get(stream=f"opendata.dataset:{dataset.pk}", action=events.PII_EXEMPTED)
    assert exempted.payload["findings"][0]["kind"] == "address"


def test_findings_hold_no_personal_data_themselves(od):
    dataset = make_dataset()
    version = load(dataset, "Ghi chú\nGọi 0913456789\n".encode())
    assert version.findings == [{"kind": "phone", "column": "Ghi chú", "row": 2, "sample": "09…89"}]


def test_shared_data_is_not_scanned_as_open(od):
    dataset = make_dataset(access_level="shared")
    load(dataset, "Họ tên,Xã\nVăn A,Xã Tân Lộc\n".encode())
    assert publish(dataset, od.leader).state == State.PUBLISHED
