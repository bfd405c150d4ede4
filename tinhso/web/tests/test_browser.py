"""Signing in and out in a real browser: citizens, officials, wrong passwords, the wrong sign-in page."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tinhso.core import services
from tinhso.core.models import AdminUnit, Role
from tinhso.testing.browser import sign_in

pytestmark = pytest.mark.browser

CITIZEN_ID = "096197004455"
CITIZEN_NAME = "Lê Thị Thanh Tuyền"
PASSWORD = "Rạch-Gốc-2026!"


@pytest.fixture
def citizen(reference_data):
    commune = AdminUnit.objects.filter(parent__code="96", kind=AdminUnit.Kind.COMMUNE).first()
    services.save_population_record(
        citizen_id=CITIZEN_ID,
        full_name=CITIZEN_NAME,
        birth_date=date(1997, 5, 14),
        sex="F",
        permanent_address="Ấp Tân Thành, số nhà 45",
        permanent_commune=commune,
    )
    return services.register_citizen(citizen_id=CITIZEN_ID, password=PASSWORD)


@pytest.fixture
def official(reference_data):
    return services.create_official(
        actor=None,
        username="mai.nt",
        full_name="Nguyễn Thị Mai",
        password=PASSWORD,
        roles=[(Role.RECEPTIONIST, "000.00.01.H12")],
    )


def test_citizen_signs_in_with_citizen_id_switches_to_english_and_signs_out(page, citizen):
    page.goto("/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    expect(page).to_have_url("/dang-nhap/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập công dân")
    page.get_by_label("Số định danh cá nhân hoặc tên đăng nhập").fill(CITIZEN_ID)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # A citizen's start page is their dossiers, and their menu has their own pages.
    expect(page).to_have_url("/ho-so/cua-toi/")
    header = page.get_by_role("banner")
    expect(header).to_contain_text(f"Xin chào, {CITIZEN_NAME}")
    expect(header.get_by_role("link", name="Phản ánh của tôi")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.goto("/")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Online public services for citizens and businesses"
    )
    expect(header).to_contain_text(f"Hello, {CITIZEN_NAME}")
    expect(header).to_contain_text("Cà Mau Province Public Service Portal")

    page.get_by_role("button", name="Sign out").click()
    expect(header.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(header).not_to_contain_text(CITIZEN_NAME)


def test_official_signs_in_on_the_officials_page_and_lands_on_their_queue(page, official):
    sign_in(page, username="mai.nt", password=PASSWORD, official=True)
    expect(page).to_have_url("/can-bo/ho-so/")
    header = page.get_by_role("banner")
    expect(header).to_contain_text("Xin chào, Nguyễn Thị Mai")
    work = header.get_by_role("navigation", name="Trang làm việc của bạn")
    expect(work.get_by_role("link", name="Hồ sơ cần xử lý")).to_have_attribute("aria-current", "page")
    # A receptionist's role is held for dossiers: the field-report desk is not in the menu.
    expect(work.get_by_role("link", name="Phản ánh cần xử lý")).to_have_count(0)


def test_wrong_password_shows_the_vietnamese_error_in_the_form(page, citizen):
    sign_in(page, username=CITIZEN_ID, password="mat-khau-sai")
    expect(page).to_have_url("/dang-nhap/")
    alert = page.locator("form").get_by_role("alert")
    expect(alert).to_have_text(
        "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý mật khẩu phân biệt chữ hoa, chữ thường."
    )
    expect(page.get_by_role("banner")).not_to_contain_text(CITIZEN_NAME)


def test_empty_fields_show_errors_next_to_each_field(page, reference_data):
    page.goto("/dang-nhap/")
    page.get_by_role("button", name="Đăng nhập").click()
    for label in ("Số định danh cá nhân hoặc tên đăng nhập", "Mật khẩu"):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description("Trường này là bắt buộc.")


def test_citizen_account_is_refused_on_the_officials_page(page, citizen):
    sign_in(page, username=CITIZEN_ID, password=PASSWORD, official=True)
    expect(page).to_have_url("/can-bo/dang-nhap/")
    expect(page.locator("form").get_by_role("alert")).to_have_text(
        "Tài khoản này không dùng để đăng nhập ở trang này."
    )
    page.goto("/")
    expect(page.get_by_role("banner")).not_to_contain_text(CITIZEN_NAME)
