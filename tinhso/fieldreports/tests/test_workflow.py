"""Every transition of the handling workflow: who may do it, from which status, and the event it writes."""

import os
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.models import Event
from tinhso.fieldreports import selectors, services
from tinhso.fieldreports.models import Report
from tinhso.testing.factories import CONSTRUCTION, citizen
from tinhso.testing.fieldreport_helpers import (
    AN_XUYEN_COMMITTEE,
    AN_XUYEN_POINT,
    REPORTER_PHONE,
    TAN_THANH_COMMITTEE,
    TAN_THANH_POINT,
    case,
    file_report,
    jpeg_with_gps,
)

pytestmark = pytest.mark.django_db
RESULT = "Đã vá ổ gà bằng bê tông nhựa, mặt đường êm thuận."


def actions(report: Report) -> list[str]:
    return list(
        Event.objects.filter(stream=f"fieldreports.report:{report.pk}")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def published(staff, report: Report | None = None) -> Report:
    report = report or file_report()
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    report = services.post_result(actor=staff["handler"], **case(report), result=RESULT)
    return services.approve_result(actor=staff["coordinator"], **case(report))


def test_filing_routes_automatically_and_writes_two_events(categories):
    report = file_report()
    assert report.status == Report.Status.ROUTED
    assert report.tracking_code.startswith("PA") and len(report.tracking_code) == 14
    assert actions(report) == ["fieldreport.submitted", "fieldreport.routed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category_code": "khong-co"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"phone": "", "email": ""}, "phone"),
        ({"email": "khong-phai-email"}, "email"),
        ({"attributes": {}}, "attribute[muc-do]"),
        ({"attributes": {"muc-do": "rat-lon"}}, "attribute[muc-do]"),
    ],
)
def test_bad_input_is_refused_naming_the_field(categories, changes, field):
    with pytest.raises(InvalidInput) as refused:
        file_report(**changes)
    assert field in refused.value.errors
    assert not Report.objects.exists()


def test_a_signed_in_citizen_needs_no_phone_and_sees_the_report_as_theirs(categories):
    person = citizen()
    report = file_report(reporter=person, phone="", email="", reporter_name="")
    assert list(selectors.reports_of_reporter(person)) == [report]


def test_the_responsible_unit_acknowledges_posts_a_result_and_the_centre_publishes(categories, staff):
    report = file_report()
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    assert report.status == Report.Status.ACKNOWLEDGED and report.acknowledged_at
    report = services.post_result(
        actor=staff["handler"], **case(report), result=RESULT, photos=[jpeg_with_gps("sau-khi-va.jpg")]
    )
    assert report.status == Report.Status.RESOLVED and report.photos.filter(kind="result").count() == 1
    report = services.approve_result(actor=staff["coordinator"], **case(report))
    assert report.status == Report.Status.PUBLISHED and report.closed_at and not report.is_open
    assert actions(report)[2:] == [
        "fieldreport.acknowledged",
        "fieldreport.resolved",
        "fieldreport.published",
    ]


def test_only_the_responsible_unit_acknowledges_and_posts_results(categories, staff):
    report = file_report()
    person = citizen()
    for outsider in (staff["other_handler"], person):
        with pytest.raises(Forbidden):
            services.acknowledge_report(actor=outsider, **case(report))
    report = services.acknowledge_report(actor=staff["handler"], **case(report))
    with pytest.raises(Forbidden):
        services.post_result(actor=staff["other_handler"], **case(report), result=RESULT)


def test_transitions_from_the_wrong_status_are_refused(categories, staff):
    report = file_report()
    with pytest.raises(Conflict, match="không thể"):
        services.post_result(actor=staff["handler"], **case(report), result=RESULT)
    with pytest.raises(Conflict):
        services.approve_result(actor=staff["coordinator"], **case(report))
    with pytest.raises(Conflict):
        services.rate_report(actor=None, **case(report), contact=REPORTER_PHONE, satisfied=True)
    with pytest.raises(Conflict):
        services.remove_personal_data(actor=None, **case(report), contact=REPORTER_PHONE)
    report = published(staff, report)
    with pytest.raises(Conflict):
        services.acknowledge_report(actor=staff["handler"], **case(report))
    with pytest.raises(Conflict):
        services.reject_report(actor=staff["coordinator"], **case(report), reason="Không thuộc thẩm quyền.")


def test_a_result_needs_text_and_a_unit_cannot_publish_it_itself(categories, staff):
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    with pytest.raises(InvalidInput) as refused:
        services.post_result(actor=staff["handler"], **case(report), result=" ")
    assert "result" in refused.value.errors
    report = services.post_result(actor=staff["handler"], **case(report), result=RESULT)
    with pytest.raises(Forbidden):
        services.approve_result(actor=staff["handler"], **case(report))


def test_the_centre_can_send_a_result_back_to_the_unit(categories, staff):
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    report = services.post_result(actor=staff["handler"], **case(report), result="Đã xử lý.")
    report = services.send_back_result(
        actor=staff["coordinator"], **case(report), reason="Chưa có ảnh hiện trường."
    )
    assert report.status == Report.Status.ACKNOWLEDGED and report.resolved_at is None
    assert actions(report)[-1] == "fieldreport.result_returned"


def test_a_stale_copy_gets_a_conflict_not_a_lost_update(categories, staff):
    report = file_report()
    first, second = Report.objects.get(pk=report.pk), Report.objects.get(pk=report.pk)
    services.reroute_report(
        actor=staff["coordinator"], **case(first), unit_code=CONSTRUCTION, reason="Đường tỉnh."
    )
    with pytest.raises(Conflict) as refused:
        services.reject_report(actor=staff["coordinator"], **case(second), reason="Trùng.")
    assert refused.value.code == "stale_version"
    assert Report.objects.get(pk=report.pk).status == Report.Status.ROUTED


def test_the_centre_reroutes_with_a_reason_and_the_new_unit_takes_over(categories, staff):
    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    with pytest.raises(Forbidden):
        services.reroute_report(
            actor=staff["handler"], **case(report), unit_code=TAN_THANH_COMMITTEE, reason="x"
        )
    with pytest.raises(InvalidInput):
        services.reroute_report(
            actor=staff["coordinator"], **case(report), unit_code=TAN_THANH_COMMITTEE, reason=""
        )
    with pytest.raises(InvalidInput):
        services.reroute_report(
            actor=staff["coordinator"], **case(report), unit_code=AN_XUYEN_COMMITTEE, reason="x"
        )
    report = services.reroute_report(
        actor=staff["coordinator"],
        **case(report),
        unit_code=TAN_THANH_COMMITTEE,
        reason="Đoạn đường thuộc Tân Thành.",
    )
    assert report.status == Report.Status.ROUTED and report.responsible_unit.code == TAN_THANH_COMMITTEE
    with pytest.raises(Forbidden):
        services.acknowledge_report(actor=staff["handler"], **case(report))
    services.acknowledge_report(actor=staff["other_handler"], **case(report))
    event = Event.objects.get(stream=f"fieldreports.report:{report.pk}", action="fieldreport.rerouted")
    assert event.payload["from"] == AN_XUYEN_COMMITTEE and event.actor == staff["coordinator"]


def test_changing_the_category_routes_again_and_recounts_the_deadline(categories, staff):
    report = file_report("ha-tang-den")
    assert report.responsible_unit.code == AN_XUYEN_COMMITTEE
    with pytest.raises(Forbidden):
        services.change_category(
            actor=staff["handler"], **case(report), category_code="giao-thong-tin-hieu", reason="x"
        )
    changed = services.change_category(
        actor=staff["coordinator"],
        **case(report),
        category_code="giao-thong-tin-hieu",
        reason="Là đèn tín hiệu.",
    )
    assert changed.category.code == "giao-thong-tin-hieu"
    assert changed.responsible_unit.code == CONSTRUCTION
    assert changed.due_at < report.due_at  # urgent: one working day instead of three
    assert actions(changed)[-1] == "fieldreport.category_changed"


def test_duplicates_are_suggested_same_category_within_50_m_in_the_last_12_weeks(categories):
    first = file_report()
    twin = file_report(point=(AN_XUYEN_POINT[0] + 0.0003, AN_XUYEN_POINT[1]))  # about 33 m north
    far = file_report(point=(AN_XUYEN_POINT[0] + 0.0008, AN_XUYEN_POINT[1]))  # about 90 m north
    other_kind = file_report("ha-tang-den")
    old = file_report(now=first.submitted_at - timedelta(weeks=13))
    assert selectors.duplicate_candidates(twin) == [first]
    assert twin in selectors.duplicate_candidates(first)
    for unrelated in (far, other_kind, old):
        assert unrelated not in selectors.duplicate_candidates(first)


def test_merging_closes_the_duplicate_and_points_to_the_original(categories, staff):
    original, duplicate = file_report(), file_report(point=(AN_XUYEN_POINT[0] + 0.0002, AN_XUYEN_POINT[1]))
    with pytest.raises(Forbidden):
        services.merge_reports(actor=staff["handler"], **case(duplicate), into=original.tracking_code)
    with pytest.raises(InvalidInput):
        services.merge_reports(actor=staff["coordinator"], **case(original), into=original.tracking_code)
    merged = services.merge_reports(
        actor=staff["coordinator"], **case(duplicate), into=original.tracking_code
    )
    assert merged.status == Report.Status.MERGED and merged.merged_into == original and not merged.is_open
    assert actions(merged)[-1] == "fieldreport.merged"
    assert actions(original)[-1] == "fieldreport.duplicate_merged"
    assert selectors.duplicate_candidates(original) == []


def test_splitting_files_each_further_problem_as_its_own_routed_report(categories, staff):
    report = file_report(description="Ổ gà lớn, và đèn tín hiệu ngã tư không hoạt động.")
    with pytest.raises(Forbidden):
        services.split_report(
            actor=staff["handler"], **case(report), parts=[("giao-thong-tin-hieu", "Đèn tín hiệu")]
        )
    with pytest.raises(InvalidInput):
        services.split_report(actor=staff["coordinator"], **case(report), parts=[])
    [part] = services.split_report(
        actor=staff["coordinator"],
        **case(report),
        parts=[("giao-thong-tin-hieu", "Đèn tín hiệu ngã tư hỏng.")],
    )
    assert part.split_from == report and part.responsible_unit.code == CONSTRUCTION
    assert part.reporter_phone == REPORTER_PHONE and part.submitted_at == report.submitted_at
    assert actions(part) == ["fieldreport.split_from"]
    assert actions(report)[-1] == "fieldreport.split"


def test_rejecting_needs_a_reason_and_closes_the_report(categories, staff):
    report = file_report()
    with pytest.raises(Forbidden):
        services.reject_report(actor=staff["handler"], **case(report), reason="Không thuộc thẩm quyền.")
    with pytest.raises(InvalidInput) as refused:
        services.reject_report(actor=staff["coordinator"], **case(report), reason="")
    assert "reason" in refused.value.errors
    report = services.reject_report(
        actor=staff["coordinator"], **case(report), reason="Nội dung không rõ vị trí."
    )
    assert report.status == Report.Status.REJECTED and report.closed_at
    assert report not in selectors.public_reports()
    assert Event.objects.get(
        stream=f"fieldreports.report:{report.pk}", action="fieldreport.rejected"
    ).payload == {"reason": "Nội dung không rõ vị trí."}


def test_a_satisfied_rating_keeps_the_report_closed(categories, staff):
    report = published(staff)
    rated = services.rate_report(actor=None, **case(report), contact=REPORTER_PHONE, satisfied=True)
    assert rated.status == Report.Status.PUBLISHED and rated.satisfied is True
    with pytest.raises(Conflict):
        services.rate_report(actor=None, **case(rated), contact=REPORTER_PHONE, satisfied=False)


def test_only_the_reporter_rates(categories, staff):
    report = published(staff)
    with pytest.raises(Forbidden):
        services.rate_report(actor=None, **case(report), contact="0909000000", satisfied=False)
    with pytest.raises(Forbidden):
        services.rate_report(actor=staff["coordinator"], **case(report), satisfied=False)


def test_an_unsatisfied_rating_reopens_once(categories, staff):
    report = published(staff)
    reopened = services.rate_report(
        actor=None, **case(report), contact="NGOCHAN.LAM@example.vn", satisfied=False, comment="Vẫn còn ổ gà."
    )
    assert reopened.status == Report.Status.REOPENED and reopened.reopen_count == 1 and reopened.is_open
    assert reopened.satisfied is None and reopened.due_at > report.closed_at
    assert actions(reopened)[-2:] == ["fieldreport.rated", "fieldreport.reopened"]
    again = published(staff, reopened)
    final = services.rate_report(actor=None, **case(again), contact=REPORTER_PHONE, satisfied=False)
    assert final.status == Report.Status.PUBLISHED and final.satisfied is False and final.reopen_count == 1


def test_the_reporter_removes_their_personal_data_from_a_closed_report(categories, staff):
    person = citizen()
    report = file_report(reporter=person, photos=[jpeg_with_gps()])
    original_path = report.photos.get().original.path
    report = published(staff, report)
    with pytest.raises(Forbidden):
        services.remove_personal_data(actor=None, **case(report), contact="0909000000")
    cleaned = services.remove_personal_data(actor=person, **case(report))
    assert (cleaned.reporter, cleaned.reporter_name, cleaned.reporter_phone, cleaned.reporter_email) == (
        None,
        "",
        "",
        "",
    )
    assert cleaned.personal_data_removed_at is not None
    photo = cleaned.photos.get()
    assert not photo.original and photo.image  # the public copy stays, the original is gone
    assert not os.path.exists(original_path)
    assert list(selectors.reports_of_reporter(person)) == []
    assert actions(cleaned)[-1] == "fieldreport.personal_data_removed"


def test_no_event_carries_the_reporter_s_personal_data(categories, staff):
    report = published(staff, file_report(photos=[jpeg_with_gps()]))
    services.rate_report(
        actor=None, **case(report), contact=REPORTER_PHONE, satisfied=False, comment="Chưa xong"
    )
    payloads = " ".join(
        str(event.payload) for event in Event.objects.filter(stream__startswith="fieldreports.")
    )
    for secret in ("Lâm Thị Ngọc Hân", REPORTER_PHONE, "ngochan.lam@example.vn"):
        assert secret not in payloads


def test_staff_see_reports_of_their_units_only_and_the_centre_sees_all(categories, staff):
    mine, theirs = file_report(), file_report("ha-tang-den", point=TAN_THANH_POINT)
    assert list(selectors.reports_for_staff(staff["handler"])) == [mine]
    assert set(selectors.reports_for_staff(staff["coordinator"])) == {mine, theirs}
    assert list(selectors.reports_for_staff(citizen())) == []


def test_personal_data_of_reports_closed_over_a_year_ago_is_purged(categories, staff):
    old = services.reject_report(actor=staff["coordinator"], **case(file_report()), reason="Trùng.")
    recent = services.reject_report(actor=staff["coordinator"], **case(file_report()), reason="Trùng.")
    still_open = file_report()
    Report.objects.filter(pk=old.pk).update(closed_at=old.closed_at - timedelta(days=400))
    assert services.purge_personal_data() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert (old.reporter_phone, old.reporter_email, old.reporter_name) == ("", "", "")
    assert recent.reporter_phone == REPORTER_PHONE and still_open.reporter_phone == REPORTER_PHONE
    assert Event.objects.filter(stream=f"fieldreports.report:{old.pk}").last().payload == {"by": "retention"}
    assert services.purge_personal_data() == 0


def test_a_citizen_follows_an_open_report_instead_of_filing_it_again(categories, staff):
    report = file_report()
    neighbour = citizen("096195004321", full_name="Trần Thị Bích Ngọc", birth_date=date(1995, 8, 27), sex="F")
    services.follow_report(user=neighbour, report=report)
    services.follow_report(user=neighbour, report=report)
    assert list(selectors.reports_followed_by(neighbour)) == [report]
    assert (
        actions(report)[-1] == "fieldreport.followed" and actions(report).count("fieldreport.followed") == 1
    )
    with pytest.raises(Forbidden):
        services.follow_report(user=AnonymousUser(), report=report)
    closed = services.reject_report(actor=staff["coordinator"], **case(file_report()), reason="Trùng.")
    with pytest.raises(Conflict):
        services.follow_report(user=neighbour, report=closed)
    own = file_report(reporter=neighbour)
    with pytest.raises(Conflict):
        services.follow_report(user=neighbour, report=own)


def test_duplicate_suggestions_are_capped_oldest_first(categories):
    reports = [file_report(now=timezone.now() - timedelta(hours=hours)) for hours in range(12, 0, -1)]
    newest = reports[-1]
    suggested = selectors.duplicate_candidates(newest)
    assert len(suggested) == selectors.MAX_SUGGESTIONS == 10
    assert suggested == reports[:10]
