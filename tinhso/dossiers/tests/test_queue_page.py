"""The officer's queue (issue 18, item 14): search by code or procedure, filters by procedure, status, date and
overdue, a paging control, attachments previewed in the page, and a notice when a dossier enters the queue."""

import pytest
from playwright.sync_api import expect

from tinhso.dossiers import selectors, services
from tinhso.notifications import selectors as inbox
from tinhso.notifications import services as notifications
from tinhso.testing.browser import sign_in
from tinhso.testing.dossiers import AN_XUYEN, BIRTH, BIRTH_FORM, RESIDENCE, RESIDENCE_FORM, birth_papers


def lodged(cast, clock) -> list:
    """A birth registration lodged on 9 March, two residence registrations on 10 March, at Phường An Xuyên."""
    made = []
    for day, hour, procedure, form in ((9, 9, BIRTH, BIRTH_FORM), (10, 9, RESIDENCE, RESIDENCE_FORM)):
        clock.set(2026, 3, day, hour)
        papers = birth_papers() if procedure == BIRTH else {}
        made.append(
            services.submit_dossier(
                actor=cast.an,
                procedure_code=procedure,
                form_data=form,
                receiving_unit_code=AN_XUYEN,
                documents=papers,
            )[0]
        )
    clock.set(2026, 3, 10, 10)
    made.append(
        services.submit_dossier(
            actor=cast.ngoc, procedure_code=RESIDENCE, form_data=RESIDENCE_FORM, receiving_unit_code=AN_XUYEN
        )[0]
    )
    clock.set(2026, 3, 10, 11)  # the birth registration's eight office hours to acknowledge it have passed
    return made


def rows(page):
    return page.locator("table.data-table tbody tr")


@pytest.mark.browser
def test_the_desk_searches_filters_pages_and_previews_its_queue(page, cast, clock, monkeypatch):
    birth, residence, _other = lodged(cast, clock)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    sign_in(page, username="motcua.anxuyen", password="Camau@2026", official=True)
    page.goto("/can-bo/ho-so/")
    expect(page.locator("main")).to_contain_text("3 hồ sơ đang chờ.")
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first.locator(".tag-overdue")).to_have_text("Quá hạn")
    page.get_by_role("link", name="Trang sau »").click()
    expect(rows(page)).to_have_count(1)
    page.get_by_role("link", name="« Trang đầu").click()
    expect(rows(page)).to_have_count(2)

    page.get_by_label("Mã hồ sơ hoặc tên thủ tục").fill(f"Số: {residence.code.lower()}/TNHS")
    page.get_by_role("button", name="Lọc").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(residence.code)
    page.get_by_role("link", name="Bỏ lọc").click()

    page.get_by_label("Mã hồ sơ hoặc tên thủ tục").fill("thuong tru")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("main")).to_contain_text("2 hồ sơ khớp điều kiện lọc.")
    page.get_by_role("link", name="Bỏ lọc").click()

    page.get_by_label("Thủ tục", exact=True).select_option(BIRTH)
    page.get_by_role("button", name="Lọc").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(birth.code)
    page.get_by_role("link", name="Bỏ lọc").click()

    page.get_by_label("Chỉ hồ sơ quá hạn").check()
    page.get_by_role("button", name="Lọc").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(birth.code)
    page.get_by_role("link", name="Bỏ lọc").click()

    page.get_by_label("Nộp từ ngày").fill("2026-03-10")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("main")).to_contain_text("2 hồ sơ khớp điều kiện lọc.")
    expect(page.locator("table.data-table")).not_to_contain_text(birth.code)

    page.goto(f"/ho-so/{birth.code}/")
    page.get_by_text("Xem trước giay-chung-sinh.pdf").click()
    preview = page.locator("iframe.preview")
    expect(preview).to_be_visible()
    answer = page.request.get(preview.get_attribute("src"))
    assert answer.status == 200 and answer.headers["content-disposition"].startswith("inline")
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_a_dossier_entering_a_queue_tells_whoever_it_now_waits_for(cast, clock):
    birth, residence, _other = lodged(cast, clock)
    accepted = services.accept(actor=cast.commune_desk, code=residence.code, version=residence.version)
    services.forward(actor=cast.commune_desk, code=accepted.code, version=accepted.version)
    notifications.deliver_notifications()
    desk = set(inbox.inbox(cast.commune_desk).values_list("title", flat=True))
    assert f"Hồ sơ mới {birth.code} đang chờ anh/chị tiếp nhận." in desk
    # The residence registration left the desk's queue before the notices went out: no stale notice.
    assert f"Hồ sơ mới {residence.code} đang chờ anh/chị tiếp nhận." not in desk
    specialist = list(inbox.inbox(cast.commune_specialist).values_list("title", flat=True))
    assert specialist == [f"Hồ sơ {residence.code} đã chuyển đến bước xử lý của anh/chị."]
    assert not inbox.inbox(cast.desk).exists()  # the province's desk does not receive the ward's dossiers
