"""Officials' daily digest: one message a day summing up their queue, on their own channels, never twice."""

from datetime import timedelta

import pytest
from django.utils import translation

from tinhso.notifications import digest, services, texts
from tinhso.notifications.models import OutboxMessage, Preference
from tinhso.testing.dossier_flow import submitted
from tinhso.testing.fieldreport_helpers import file_report, local
from tinhso.testing.notifications import reachable

pytestmark = pytest.mark.django_db


def chooses_digest(user, **contacts):
    reachable(user, **contacts)
    Preference.objects.filter(user=user).update(daily_digest=True)


def digests_of(user):
    return OutboxMessage.objects.filter(recipient=user, template=digest.TEMPLATE)


def test_an_official_gets_one_digest_a_day_however_often_the_job_runs(cast, smtp, clock):
    chooses_digest(cast.desk, email="motcua@example.com")
    clock.set(2026, 3, 10, 9, 0)
    submitted(cast)  # due for acknowledgement the next working day
    services.deliver_notifications()
    [notice] = OutboxMessage.objects.filter(recipient=cast.desk)
    assert notice.status == OutboxMessage.Status.HELD  # the desk chose the digest over one mail each

    assert services.send_daily_digests() == 1
    clock.set(2026, 3, 10, 15, 0)
    assert services.send_daily_digests() == 0  # the job ran again that day
    [message] = digests_of(cast.desk)
    assert message.context == {
        "code": "",
        "link": "/can-bo/ho-so/",
        "dossiers_waiting": "1",
        "dossiers_due_today": "0",
        "dossiers_overdue": "0",
        "reports_assigned": "0",
        "reports_overdue": "0",
        "notices_held": "1",
        "day": "2026-03-10",
    }
    notice.refresh_from_db()
    assert notice.status == OutboxMessage.Status.DIGESTED
    services.deliver_outbox()
    [mail] = smtp.messages
    assert mail["To"] == "motcua@example.com"
    assert mail["Subject"].strip() == "Việc của anh/chị ngày 10/03/2026: 1 hồ sơ chờ xử lý; 1 thông báo mới."

    clock.set(2026, 3, 11, 7, 0)
    assert services.send_daily_digests() == 1  # the next day has its own


def test_the_counts_follow_the_queues_deadlines(cast):
    chooses_digest(cast.desk, email="motcua@example.com")
    due = submitted(cast).acknowledge_due_at
    services.send_daily_digests(now=due - timedelta(minutes=1))
    services.send_daily_digests(now=due + timedelta(days=1))
    today, late = digests_of(cast.desk).order_by("digest_on")
    assert (today.context["dossiers_due_today"], today.context["dossiers_overdue"]) == ("1", "0")
    assert (late.context["dossiers_due_today"], late.context["dossiers_overdue"]) == ("0", "1")


def test_field_reports_waiting_on_the_handlers_unit_are_counted(categories, staff, gateways):
    chooses_digest(staff["handler"], phone="84912345678", order=["sms", "email"])
    report = file_report(now=local(2026, 11, 2, 9, 0))
    services.send_daily_digests(now=report.due_at + timedelta(days=1))
    [message] = digests_of(staff["handler"])
    assert (message.context["reports_assigned"], message.context["reports_overdue"]) == ("1", "1")
    assert message.channels == ["sms"]  # the official's own channel, not only e-mail
    assert message.context["link"] == "/can-bo/phan-anh/"
    with translation.override("en"):
        assert texts.render({}, key=digest.TEMPLATE, params=digest.params(message.context), language="en")[
            0
        ] == ("Your work on 06/11/2026: field reports assigned: 1; field reports overdue: 1.")


def test_no_digest_without_the_choice_or_without_work(cast, categories, staff):
    reachable(cast.desk, email="motcua@example.com")  # did not choose the digest
    chooses_digest(cast.specialist, email="chuyenvien@example.com")  # nothing waits for them
    chooses_digest(cast.an, email="an@example.com")  # a citizen's choice is not honoured
    submitted(cast)
    services.deliver_notifications()
    assert services.send_daily_digests() == 0
    assert not OutboxMessage.objects.filter(template=digest.TEMPLATE).exists()


def test_each_more_official_costs_the_same_few_statements(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    def statements(officials) -> int:
        OutboxMessage.objects.filter(template=digest.TEMPLATE).delete()
        OutboxMessage.objects.update(status=OutboxMessage.Status.HELD)
        Preference.objects.update(daily_digest=False)
        Preference.objects.filter(user__in=officials).update(daily_digest=True)
        with CaptureQueriesContext(connection) as captured:
            assert services.send_daily_digests() == len(officials)
        return len(captured)

    officials = [cast.desk, cast.specialist, cast.leader]
    now = timezone.now()
    for number, official in enumerate(officials):  # each has a notice held for the digest: work to tell
        reachable(official, email=f"canbo{number}@example.com")
        OutboxMessage.objects.create(
            recipient=official, template="dossier.overdue", next_attempt_at=now, created_at=now
        )
    one, three = statements(officials[:1]), statements(officials)
    # Its transaction (a savepoint in the test's), its roles and units for the dossier queue, its queue
    # counted, its roles for the field reports, its digest (savepoint, insert, release) and its held notices
    # marked: whether it was written already and what it holds are read once for all.
    assert three - one <= 2 * 11
