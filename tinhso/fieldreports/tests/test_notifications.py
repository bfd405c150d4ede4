"""Reporters and followers hear of a published result; leaders hear of an overdue report."""

from datetime import date

import pytest

from tinhso.fieldreports import services
from tinhso.notifications import selectors as inbox
from tinhso.notifications import services as notifications
from tinhso.testing.factories import citizen
from tinhso.testing.fieldreport_helpers import case, file_report, local

pytestmark = pytest.mark.django_db


def test_the_signed_in_reporter_and_followers_are_told_of_the_published_result(categories, staff):
    reporter = citizen("096090001234")
    follower = citizen("096195004321", full_name="Trần Thị Bích Ngọc", sex="F", birth_date=date(1995, 8, 27))
    report = file_report(reporter=reporter)
    services.follow_report(user=follower, report=report)
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã vá ổ gà.")
    notifications.deliver_notifications()
    assert not inbox.inbox(reporter).exists()  # not yet approved for publication
    services.approve_result(actor=staff["coordinator"], **case(report))
    notifications.deliver_notifications()
    for person in (reporter, follower):
        notification = inbox.inbox(person).get()
        assert notification.title.startswith(f"Phản ánh {report.tracking_code} đã có kết quả xử lý")
        assert notification.link == f"/phan-anh/{report.tracking_code}/"
    assert not inbox.inbox(staff["handler"]).exists()


def test_the_unit_leader_is_told_when_a_report_is_overdue(categories, staff):
    late = file_report("ha-tang-o-ga", now=local(2026, 11, 2, 9, 0))
    services.flag_overdue_reports(now=local(2026, 11, 10, 8, 0))
    notifications.deliver_notifications()
    notification = inbox.inbox(staff["leader"]).get()
    assert late.tracking_code in notification.title and "quá hạn" in notification.title
    assert notification.link == f"/can-bo/phan-anh/{late.tracking_code}/"
