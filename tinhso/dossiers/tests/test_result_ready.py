"""The applicant is told of a result, and offered its download, only when they can open it (issue 18, item 5):
a result issued online (a full-online procedure submitted online) at once, any other once the desk returns it."""

import pytest
from playwright.sync_api import expect

from tinhso.dossiers import services
from tinhso.dossiers.models import Channel, Dossier
from tinhso.notifications import selectors as inbox
from tinhso.notifications import services as notifications
from tinhso.testing.browser import sign_in
from tinhso.testing.dossier_flow import in_state

PASSWORD = "Camau@2026"


def handed_over_at_the_desk(cast) -> Dossier:
    """A finished dossier whose result the desk hands over (as one lodged at the desk would be)."""
    dossier = in_state(cast, "finished")
    Dossier.objects.filter(pk=dossier.pk).update(channel=Channel.IN_PERSON)
    dossier.refresh_from_db()
    return dossier


@pytest.mark.browser
def test_a_result_handed_over_at_the_desk_is_neither_announced_nor_linked_before_it_is_returned(page, cast):
    dossier = handed_over_at_the_desk(cast)
    sign_in(page, username=cast.an.citizen_id, password=PASSWORD)
    page.goto(f"/ho-so/{dossier.code}/")
    expect(page.get_by_role("link", name="Tải kết quả (PDF)")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("sẽ trả kết quả cho anh/chị")
    assert page.request.get(f"/ho-so/{dossier.code}/ket-qua/").status == 404

    services.return_result(actor=cast.desk, code=dossier.code, version=dossier.version)
    page.goto(f"/ho-so/{dossier.code}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả (PDF)").click()
    assert download.value.suggested_filename == f"{dossier.code}.pdf"


@pytest.mark.browser
def test_a_result_issued_online_can_be_downloaded_as_soon_as_it_is_recorded(page, cast):
    dossier = in_state(cast, "finished")
    sign_in(page, username=cast.an.citizen_id, password=PASSWORD)
    page.goto(f"/ho-so/{dossier.code}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả (PDF)").click()
    assert download.value.suggested_filename == f"{dossier.code}.pdf"


@pytest.mark.django_db
def test_the_notice_of_a_recorded_result_says_where_the_applicant_gets_it(cast):
    online = in_state(cast, "finished")
    at_desk = handed_over_at_the_desk(cast)
    notifications.deliver_notifications()
    titles = set(inbox.inbox(cast.an).values_list("title", flat=True))
    assert f"Hồ sơ {online.code} đã có kết quả điện tử; mời tải về." in titles
    assert f"Hồ sơ {at_desk.code} đã có kết quả điện tử; mời tải về." not in titles
    assert f"Hồ sơ {at_desk.code} đã giải quyết xong; nơi tiếp nhận sẽ trả kết quả cho bạn." in titles
