"""The declared lifecycle of field reports: what each official is offered is what the services accept, and
the overdue job flags a report without making an official's open page stale."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tinhso.fieldreports import selectors, services
from tinhso.fieldreports.lifecycle import LIFECYCLE
from tinhso.fieldreports.models import Report
from tinhso.testing.fieldreport_helpers import case, file_report

pytestmark = pytest.mark.django_db


def offered(actor, report: Report) -> list[str]:
    return [row.action for row in selectors.offered_actions(actor=actor, report=report)]


def test_each_official_is_offered_what_the_table_allows_them_now(categories, staff):
    report = file_report()
    assert offered(staff["handler"], report) == ["acknowledge"]
    assert offered(staff["other_handler"], report) == []
    coordinating = offered(staff["coordinator"], report)
    assert coordinating[-2:] == ["merge", "reject"]  # destructive ones last
    # The coordinating centre's role covers every unit of the province, so it may also take the report in hand.
    assert set(coordinating) == {row.action for row in LIFECYCLE.transitions if "routed" in row.sources}
    assert coordinating[0] == "acknowledge"
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã vá ổ gà.")
    assert offered(staff["coordinator"], report) == ["approve_result", "send_back_result"]
    assert offered(staff["handler"], report) == []


def test_every_offered_action_is_accepted_and_a_refused_one_says_transition_not_allowed(categories, staff):
    report = file_report()
    for action in offered(staff["handler"], report):
        assert action == "acknowledge"
        report = services.acknowledge_report(actor=staff["handler"], **case(report))
    from tinhso.core.errors import Conflict

    with pytest.raises(Conflict) as refused:
        services.approve_result(actor=staff["coordinator"], **case(report))
    assert refused.value.code == "transition_not_allowed"
    assert refused.value.extra["current"]["status"] == "acknowledged"


def test_the_overdue_job_keeps_an_officials_open_page_valid(client, categories, staff):
    report = file_report()
    client.force_login(staff["handler"])
    page = client.get(reverse("fieldreports:staff-detail", args=[report.tracking_code])).content.decode()
    assert f'name="version" value="{report.version}"' in page
    assert services.flag_overdue_reports(now=report.due_at + timedelta(minutes=1)) == 1
    flagged = Report.objects.get(pk=report.pk)
    assert flagged.overdue_at is not None and flagged.version == report.version
    # The form the official opened before the job ran still goes through.
    url = reverse("fieldreports:staff-action", args=[report.tracking_code, "acknowledge"])
    answer = client.post(url, {"version": report.version}, follow=True).content.decode()
    assert "Đã nhận xử lý phản ánh" in answer
    assert Report.objects.get(pk=report.pk).status == Report.Status.ACKNOWLEDGED
    # Flagged once: a second run finds nothing new.
    assert services.flag_overdue_reports(now=report.due_at + timedelta(hours=1)) == 0


def test_service_errors_read_in_english_on_the_english_interface(client, categories, staff):
    from django.conf import settings

    from tinhso.core.errors import InvalidInput

    report = file_report()
    with pytest.raises(InvalidInput) as refused:
        services.reroute_report(actor=staff["coordinator"], **case(report), unit_code="96", reason=" ")
    from django.utils import translation

    with translation.override("en"):
        assert refused.value.message == "Give the reason for moving it to another unit."
        assert refused.value.errors == {"reason": ["Give the reason for moving it to another unit."]}
    client.force_login(staff["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("fieldreports:staff-action", args=[report.tracking_code, "approve"])
    page = client.post(url, {"version": report.version}, follow=True).content.decode()
    assert "This report is “" in page and "cannot approve the result" in page


def _target(action: str) -> str:
    [row] = [row for row in LIFECYCLE.transitions if row.action == action]
    return row.target


def test_each_action_leaves_the_report_in_the_state_the_table_declares(categories, staff):
    handler, coordinator = staff["handler"], staff["coordinator"]
    steps = [
        ("acknowledge", lambda report: services.acknowledge_report(actor=handler, **case(report))),
        ("post_result", lambda report: services.post_result(actor=handler, **case(report), result="Đã vá.")),
        (
            "send_back_result",
            lambda report: services.send_back_result(
                actor=coordinator, **case(report), reason="Chưa có ảnh."
            ),
        ),
        ("post_result", lambda report: services.post_result(actor=handler, **case(report), result="Đã vá.")),
        ("approve_result", lambda report: services.approve_result(actor=coordinator, **case(report))),
    ]
    report = file_report()
    for action, step in steps:
        report = step(report)
        assert Report.objects.get(pk=report.pk).status == _target(action), action
    other = file_report()
    other = services.reroute_report(
        actor=coordinator, **case(other), unit_code="000.00.19.H12", reason="Đúng thẩm quyền."
    )
    assert other.status == _target("reroute")
    other = services.change_category(
        actor=coordinator, **case(other), category_code="ha-tang-den", reason="Đèn."
    )
    assert other.status == _target("change_category")
    duplicate = services.merge_reports(actor=coordinator, **case(file_report()), into=other.tracking_code)
    assert duplicate.status == _target("merge")
    other = Report.objects.get(pk=other.pk)  # the merge moved its version
    rejected = services.reject_report(actor=coordinator, **case(other), reason="Không rõ vị trí.")
    assert rejected.status == _target("reject")
