"""Notifications come from the event log: the right people, once per event, in their inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tinhso.core.models import Event, Role
from tinhso.core.services import record_event
from tinhso.notifications import selectors, services, tasks
from tinhso.notifications.models import Notification
from tinhso.testing.factories import citizen, official

pytestmark = pytest.mark.django_db


def overdue_event(handlers: list[int], code: str = "000.00.15.H12-260310-0001") -> Event:
    from django.db import transaction

    with transaction.atomic():
        return record_event(
            subject="dossiers.dossier:999999",
            action="dossier.overdue",
            actor=None,
            payload={"code": code, "unit": "000.00.15.H12", "notify": handlers},
        )


def test_handlers_named_by_an_overdue_event_get_one_notification_each_even_if_delivery_runs_twice(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"))
    leader = official("lanhdao", (Role.UNIT_LEADER, "000.00.15.H12"))
    overdue_event([specialist.pk, leader.pk, specialist.pk])
    assert services.deliver_notifications() == 2
    assert services.deliver_notifications() == 0
    notification = selectors.inbox(specialist).get()
    assert notification.title == "Hồ sơ 000.00.15.H12-260310-0001 đã quá hạn xử lý."
    assert notification.link == "/ho-so/000.00.15.H12-260310-0001/"
    assert selectors.unread_count(leader) == 1


def test_an_event_committed_late_is_still_delivered_but_old_ones_are_not_repeated():
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"))
    now = timezone.now()
    services.deliver_notifications(now=now)
    late = overdue_event([specialist.pk])
    Event.objects.filter(pk=late.pk).update(occurred_at=now - timedelta(minutes=5))  # began before the run
    assert services.deliver_notifications(now=now + timedelta(minutes=1)) == 1


def test_reading_a_notification_marks_it_and_follows_its_link_only_for_its_recipient(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"), password="Camau@2026")
    other = citizen()
    overdue_event([specialist.pk])
    services.deliver_notifications()
    notification = Notification.objects.get()
    client.force_login(other)
    assert client.post(f"/thong-bao/{notification.pk}/mo/").status_code == 404
    client.force_login(specialist)
    page = client.get("/thong-bao/")
    assert "đã quá hạn xử lý" in page.content.decode() and "chưa đọc" in page.content.decode()
    response = client.post(f"/thong-bao/{notification.pk}/mo/")
    assert response.status_code == 302 and response["Location"] == notification.link
    assert selectors.unread_count(specialist) == 0


def test_an_alert_tells_the_leaders_it_names_with_the_rate(client):
    from django.db import transaction

    leader = official("lanhdao", (Role.UNIT_LEADER, "000.00.15.H12"))
    with transaction.atomic():
        record_event(
            subject="ioc.alert:1",
            action="ioc.alert_raised",
            actor=None,
            payload={
                "unit": "000.00.15.H12",
                "indicator": "2.1",
                "period": "2026-11",
                "rate": 0.8312,
                "threshold": "0.9",
                "notify": [leader.pk],
            },
        )
    services.deliver_notifications()
    notification = selectors.inbox(leader).get()
    # Names, not codes; the rate and the threshold as the pages write them (issue 18, item 19).
    assert notification.title == (
        "Cảnh báo: chỉ số 2.1 của Sở Tư pháp tỉnh Cà Mau tháng 11/2026 là 83,1%, dưới ngưỡng 90,0%."
    )
    assert notification.link == "/dieu-hanh/"


def test_a_notification_is_delivered_when_its_event_commits_not_a_minute_later(
    django_capture_on_commit_callbacks,
):
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        overdue_event([specialist.pk])
        overdue_event([specialist.pk], code="000.00.15.H12-260310-0002")
    # one delivery per transaction, however many events it wrote (the IOC queues its own consumer)
    assert queued.count(tasks.queue_delivery) == 1
    assert selectors.unread_count(specialist) == 2  # nobody ran the periodic job


def test_the_delivery_is_queued_once_per_second_by_a_process():
    # a burst of submissions costs one job write a second, not one each (core.tasks.Coalesced)
    assert (tasks.queue_delivery.task, tasks.queue_delivery.delay) == (tasks.deliver_now, 1.0)


def test_every_notification_can_be_marked_read_at_once(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"))
    other = official("lanhdao", (Role.UNIT_LEADER, "000.00.15.H12"))
    overdue_event([specialist.pk, other.pk])
    overdue_event([specialist.pk], code="000.00.15.H12-260310-0002")
    services.deliver_notifications()
    client.force_login(specialist)
    assert "Đánh dấu tất cả là đã đọc" in client.get("/thong-bao/").content.decode()
    page = client.post("/thong-bao/da-doc-het/", follow=True)
    assert "Đã đánh dấu 2 thông báo là đã đọc." in page.content.decode()
    assert selectors.unread_count(specialist) == 0 and selectors.unread_count(other) == 1
    assert "Đánh dấu tất cả là đã đọc" not in page.content.decode()


def test_a_reader_in_english_reads_their_notifications_in_english(client):
    specialist = official("chuyenvien", (Role.SPECIALIST, "000.00.15.H12"))
    overdue_event([specialist.pk])
    services.deliver_notifications()  # written in Vietnamese, as the job runs
    client.force_login(specialist)
    english = client.get("/thong-bao/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Dossier 000.00.15.H12-260310-0001 is past its handling deadline." in english
        and "đã quá hạn xử lý" not in english
    )
    assert "đã quá hạn xử lý" in client.get("/thong-bao/").content.decode()


def test_a_new_dossier_in_an_officer_queue_reads_in_the_officer_language(client, cast):
    from tinhso.testing.dossier_flow import submitted

    dossier = submitted(cast)
    services.deliver_notifications()
    client.force_login(cast.desk)
    english = client.get("/thong-bao/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"New dossier {dossier.code} is waiting for you to receive it." in english
    assert "đang chờ anh/chị tiếp nhận" in client.get("/thong-bao/").content.decode()
