"""Dossier statuses to the national portal through the outbox: written in the business transaction, sent in
order per dossier to a fake of the portal that speaks its protocol over HTTP, with backoff, dead letters,
replay, at-most-once counting of a resent message, and the nightly reconciliation."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Status
from tinhso.integration import portal as relay_module
from tinhso.integration import services
from tinhso.integration.models import ExchangeLog, PortalMessage, StatusMapping
from tinhso.testing.dossier_flow import in_state, submitted

pytestmark = pytest.mark.django_db


def drain(rounds: int = 20) -> None:
    """Runs the relay as the periodic job would, each run later than the longest backoff so far."""
    later = timezone.now()
    for _ in range(rounds):
        later += relay_module.LONGEST_WAIT
        relay_module.relay(now=later)
        if not PortalMessage.objects.exclude(state=PortalMessage.State.ACKNOWLEDGED).exists():
            return


def test_statuses_arrive_in_order_even_when_deliveries_are_retried(cast, portal):
    dossier = in_state(cast, "returned")
    portal.fail_next = 3  # the portal is down for the first calls: retried on the backoff schedule
    drain()
    assert portal.statuses(dossier.code) == [
        Status.ACCEPTED,
        Status.PROCESSING,
        Status.FINISHED,
        Status.RETURNED,
    ]
    sent = PortalMessage.objects.filter(dossier=dossier).order_by("seq")
    assert [message.state for message in sent] == ["acknowledged"] * 4


def test_the_portal_receives_its_message_shapes_and_dates(cast, portal):
    dossier = in_state(cast, "accepted")
    drain()
    [lookup] = [call for call in portal.received if call["service"] == "DongBoHoSoMC"]
    assert lookup["isUpdating"] == "False" and lookup["madonvi"] and lookup["session"]
    sent = lookup["data"][0]
    local = timezone.localtime(dossier.accepted_at)
    assert sent["NgayTiepNhan"] == local.strftime("%Y%m%d%H%M%S") and len(sent["NgayTiepNhan"]) == 14
    assert sent["MaHoSo"] == dossier.code and sent["MaTTHC"] == dossier.procedure.code
    assert sent["TrangThaiHoSo"] == "2"
    [progress] = [call for call in portal.received if call["service"] == "CapNhatTienDoHoSoMC"]
    assert progress["data"][0]["TrangThai"] == "2"
    calls = ExchangeLog.objects.filter(chain=relay_module.CHAIN).values_list("service", flat=True)
    assert list(calls.order_by("seq")) == ["auth", "TraCuuHoSo", "DongBoHoSoMC", "CapNhatTienDoHoSoMC"]


def test_a_rolled_back_business_transaction_sends_nothing(cast, portal):
    dossier = submitted(cast)
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)
        raise RuntimeError("the request failed after the change")
    assert not PortalMessage.objects.exists()
    drain()
    assert portal.received == []


def test_a_relay_killed_after_sending_resends_the_same_message_id_and_the_portal_counts_it_once(
    cast, portal, monkeypatch
):
    in_state(cast, "accepted")
    message = PortalMessage.objects.get()
    original = relay_module.acknowledge

    def killed(pk, **_):
        monkeypatch.setattr(relay_module, "acknowledge", original)
        raise SystemExit("killed before recording the answer")

    monkeypatch.setattr(relay_module, "acknowledge", killed)
    with pytest.raises(SystemExit):
        relay_module.relay()
    assert PortalMessage.objects.get().state == PortalMessage.State.PENDING
    relay_module.relay()
    assert PortalMessage.objects.get().state == PortalMessage.State.ACKNOWLEDGED
    assert portal.count(message.message_id) == 1
    assert len([call for call in portal.received if call["service"] == "CapNhatTienDoHoSoMC"]) == 1


def test_an_unknown_status_goes_to_the_dead_letters_and_holds_the_dossier_until_replayed(cast, portal):
    StatusMapping.objects.filter(status=Status.PROCESSING).delete()
    dossier = in_state(cast, "finished")
    drain()
    dead = PortalMessage.objects.get(state=PortalMessage.State.DEAD)
    assert dead.status == Status.PROCESSING and "4" in dead.last_error
    assert portal.statuses(dossier.code) == [Status.ACCEPTED]  # 9 waits behind the dead 4: never out of order
    services.set_status_mapping(actor=None, status=Status.PROCESSING, national_code=4, label="Đang xử lý")
    services.replay_portal_message(actor=None, message_id=dead.message_id)
    drain()
    assert portal.statuses(dossier.code) == [Status.ACCEPTED, Status.PROCESSING, Status.FINISHED]


def test_a_portal_that_is_down_loses_nothing_and_backs_off(cast, portal):
    portal.mode = "fail"
    in_state(cast, "processing")
    relay_module.relay()
    first = PortalMessage.objects.order_by("seq").first()
    assert first.attempts == 1 and first.last_error.endswith("HTTP 500")
    assert first.next_attempt_at > timezone.now() + relay_module.FIRST_WAIT - timedelta(seconds=5)
    portal.mode = "ok"
    drain()
    assert PortalMessage.objects.filter(state=PortalMessage.State.ACKNOWLEDGED).count() == 2


def test_a_timeout_is_retried(cast, portal):
    portal.mode, portal.delay = "timeout", 2.5
    in_state(cast, "accepted")
    relay_module.relay()
    message = PortalMessage.objects.get()
    assert message.state == PortalMessage.State.PENDING and "Timeout" in message.last_error
    portal.mode = "ok"
    drain()
    assert PortalMessage.objects.get().state == PortalMessage.State.ACKNOWLEDGED


def test_a_rejected_session_logs_in_again(cast, portal):
    in_state(cast, "accepted")
    relay_module.relay()
    dossier = in_state(cast, "accepted")
    portal.mode = "reject_session"
    relay_module.relay()
    assert portal.statuses(dossier.code) == [Status.ACCEPTED]
    assert list(ExchangeLog.objects.filter(service="auth").values_list("status", flat=True)) == [200, 200]


def test_the_nightly_reconciliation_sends_what_was_never_sent(cast, portal):
    dossier = submitted(cast)  # a submission writes no message: the portal hears of it at night
    assert relay_module.reconcile() == 1
    drain()
    assert portal.statuses(dossier.code) == [Status.NEW]
    assert relay_module.reconcile() == 0
