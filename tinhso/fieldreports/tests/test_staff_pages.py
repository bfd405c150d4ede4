"""Back-office pages: each official sees the reports of their scope and acts through the services."""

import pytest
from django.urls import reverse

from tinhso.fieldreports.models import Report
from tinhso.testing.factories import CONSTRUCTION, citizen
from tinhso.testing.fieldreport_helpers import (
    AN_XUYEN_POINT,
    REPORTER_PHONE,
    TAN_THANH_POINT,
    file_report,
    jpeg_with_gps,
)

pytestmark = pytest.mark.django_db


def act(client, report: Report, action: str, **data):
    url = reverse("fieldreports:staff-action", args=[report.tracking_code, action])
    return client.post(url, {"version": report.version, **data}, follow=True)


def test_the_back_office_needs_an_official_sign_in(client):
    response = client.get("/can-bo/phan-anh/")
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/")


def test_each_official_lists_the_reports_of_their_scope(client, categories, staff):
    mine, theirs = file_report(), file_report("ha-tang-den", point=TAN_THANH_POINT)
    client.force_login(staff["handler"])
    page = client.get("/can-bo/phan-anh/").content.decode()
    assert mine.tracking_code in page and theirs.tracking_code not in page
    assert client.get(f"/can-bo/phan-anh/{theirs.tracking_code}/").status_code == 404
    client.force_login(staff["coordinator"])
    page = client.get("/can-bo/phan-anh/").content.decode()
    assert mine.tracking_code in page and theirs.tracking_code in page
    client.force_login(citizen())
    assert mine.tracking_code not in client.get("/can-bo/phan-anh/").content.decode()


def test_only_the_coordinator_sees_the_reporter_s_contact(client, categories, staff):
    report = file_report()
    client.force_login(staff["handler"])
    assert REPORTER_PHONE not in client.get(f"/can-bo/phan-anh/{report.tracking_code}/").content.decode()
    client.force_login(staff["coordinator"])
    assert REPORTER_PHONE in client.get(f"/can-bo/phan-anh/{report.tracking_code}/").content.decode()


def test_the_unit_handles_and_the_centre_publishes_through_the_pages(client, categories, staff):
    report = file_report()
    client.force_login(staff["handler"])
    page = act(client, report, "acknowledge").content.decode()
    assert f"Đã nhận xử lý phản ánh {report.tracking_code}." in page and "Báo cáo kết quả" in page
    report.refresh_from_db()
    url = reverse("fieldreports:staff-action", args=[report.tracking_code, "post_result"])
    client.post(url, {"version": report.version, "result": "Đã vá ổ gà.", "photos": [jpeg_with_gps()]})
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED and report.photos.filter(kind="result").count() == 1
    refused = act(client, report, "approve").content.decode()
    assert "Chỉ trung tâm điều phối" in refused
    client.force_login(staff["coordinator"])
    act(client, report, "approve")
    report.refresh_from_db()
    assert report.status == Report.Status.PUBLISHED


def test_a_stale_page_is_refused_and_nothing_changes(client, categories, staff):
    report = file_report()
    client.force_login(staff["coordinator"])
    page = act(client, report, "reject", reason="Trùng.", version=report.version + 5).content.decode()
    assert "vừa được người khác cập nhật" in page
    report.refresh_from_db()
    assert report.status == Report.Status.ROUTED


def test_the_centre_merges_a_suggested_duplicate_and_reroutes(client, categories, staff):
    original = file_report()
    duplicate = file_report(point=(AN_XUYEN_POINT[0] + 0.0002, AN_XUYEN_POINT[1]))
    client.force_login(staff["coordinator"])
    page = client.get(f"/can-bo/phan-anh/{duplicate.tracking_code}/").content.decode()
    assert f"Gộp phản ánh này vào {original.tracking_code}" in page
    act(client, duplicate, "merge", into=original.tracking_code)
    duplicate.refresh_from_db()
    assert duplicate.status == Report.Status.MERGED and duplicate.merged_into == original
    original.refresh_from_db()
    act(client, original, "reroute", unit_code=CONSTRUCTION, reason="Đường do tỉnh quản lý.")
    original.refresh_from_db()
    assert original.responsible_unit.code == CONSTRUCTION


def test_a_missing_reason_is_named_and_an_unknown_action_is_404(client, categories, staff):
    report = file_report()
    client.force_login(staff["coordinator"])
    page = act(client, report, "reject", reason="").content.decode()
    assert "Cần ghi lý do không tiếp nhận." in page
    assert act(client, report, "xoa").status_code == 404


def test_the_centre_splits_and_changes_category(client, categories, staff):
    report = file_report("ha-tang-den")
    client.force_login(staff["coordinator"])
    act(client, report, "split", category_code="ha-tang-o-ga", description="Ổ gà cạnh trụ đèn.")
    assert Report.objects.get(split_from=report).category.code == "ha-tang-o-ga"
    report.refresh_from_db()
    act(client, report, "change_category", category_code="giao-thong-tin-hieu", reason="Là đèn tín hiệu.")
    report.refresh_from_db()
    assert report.category.code == "giao-thong-tin-hieu" and report.responsible_unit.code == CONSTRUCTION


def test_a_malformed_version_is_refused_with_400_and_nothing_changes(client, categories, staff):
    report = file_report()
    client.force_login(staff["coordinator"])
    for version in ("", "abc", "²", "9" * 30):
        assert act(client, report, "reject", reason="Trùng.", version=version).status_code == 400
    report.refresh_from_db()
    assert report.status == Report.Status.ROUTED


def test_the_staff_queue_filters_the_official_s_reports_by_status(categories, staff):
    from tinhso.fieldreports import selectors

    first, second = file_report(), file_report()
    Report.objects.filter(pk=second.pk).update(status=Report.Status.PUBLISHED)
    handler = staff["handler"]
    assert [report.pk for report in selectors.staff_queue(handler, status="open")] == [first.pk]
    assert [report.pk for report in selectors.staff_queue(handler, status="published")] == [second.pk]
    assert {report.pk for report in selectors.staff_queue(handler, status="all")} == {first.pk, second.pk}
