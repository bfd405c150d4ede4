"""Threshold rules notify the unit's leader once per breach, not once per event."""

from decimal import Decimal

import pytest

from tinhso.core.errors import Forbidden, InvalidInput
from tinhso.core.models import Event
from tinhso.ioc import selectors, services
from tinhso.ioc.models import Alert
from tinhso.ioc.tests.helpers import accept, answer, finish, submit, supplement
from tinhso.notifications.models import Notification
from tinhso.notifications.services import deliver_notifications


def _raised() -> list[Event]:
    return list(Event.objects.filter(action="ioc.alert_raised").order_by("pk"))


def test_one_alert_per_breach(client, march, cast, clock, province_leader):
    # 3 of 5 on time in March at the Department of Justice: below 65%.
    services.create_alert_rule(actor=province_leader, indicator="2.1", threshold=Decimal("0.65"))
    submit(cast)
    services.consume_events()
    assert len(_raised()) == 1
    event = _raised()[0]
    assert event.payload["unit"] == "000.00.15.H12" and event.payload["period"] == "2026-03"
    assert event.payload["notify"] == [cast.leader.pk]
    submit(cast)  # more events while still in breach: no second notice
    services.consume_events()
    assert len(_raised()) == 1
    deliver_notifications()
    inbox = list(Notification.objects.filter(recipient=cast.leader).values_list("title", flat=True))
    assert len(inbox) == 1 and "2.1" in inbox[0]
    assert [alert.unit.code for alert in selectors.alerts_for(actor=cast.leader)] == ["000.00.15.H12"]
    client.force_login(cast.leader)
    listed = client.get("/api/v1/ioc/alerts").json()
    assert [(a["unit"], a["indicator"], a["rate"]) for a in listed] == [("000.00.15.H12", "2.1", 0.6)]
    client.force_login(cast.commune_leader)
    assert client.get("/api/v1/ioc/alerts").json() == []  # not their unit
    # One more dossier finished on time: 4 of 6, back above the threshold; the breach is cleared.
    dossier = accept(cast, submit(cast))
    finish(cast, dossier)
    services.consume_events()
    assert Alert.objects.get().cleared_at is not None
    assert Event.objects.filter(action="ioc.alert_cleared").count() == 1
    # Two dossiers sent back for supplements twice (late): 4 of 8, a new breach and a new notice.
    for _ in range(2):
        dossier = accept(cast, submit(cast))
        supplement(cast, dossier)
        answer(cast, dossier)
        supplement(cast, dossier)
    services.consume_events()
    assert len(_raised()) == 2


def test_rules_are_set_by_province_leaders_on_rates(cast, province_leader):
    with pytest.raises(Forbidden):
        services.create_alert_rule(actor=cast.leader, indicator="2.1", threshold=Decimal("0.9"))
    with pytest.raises(InvalidInput):
        services.create_alert_rule(actor=province_leader, indicator="PA.1", threshold=Decimal("0.9"))
    with pytest.raises(InvalidInput):
        services.create_alert_rule(actor=province_leader, indicator="2.1", threshold=Decimal("1.5"))
