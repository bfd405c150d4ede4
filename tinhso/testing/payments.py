"""Payment helpers shared by the tests of every app: an order started at VNPay, and the signed notices the
sandbox gateway would send about it."""

from urllib.parse import parse_qsl, urlsplit

from django.conf import settings

from tinhso.core.models import User
from tinhso.payments import sandbox, services
from tinhso.payments.models import PaymentOrder, Provider


def started_order(payer: User, code: str) -> PaymentOrder:
    """The order for what dossier `code` owes now, sent to VNPay."""
    order = services.create_order(actor=payer, code=code)
    return services.start_payment(
        actor=payer, reference=order.reference, version=order.version, provider=Provider.VNPAY, mobile=True
    )


def pay_request(order: PaymentOrder) -> dict[str, str]:
    """The fields of the pay request our pay URL carried to the gateway."""
    return {
        "vnp_Amount": str(order.amount * 100),
        "vnp_TmnCode": settings.TINHSO_VNPAY_TMN_CODE,
        "vnp_TxnRef": order.reference,
        "vnp_OrderInfo": f"Thanh toan phi le phi ho so {order.dossier.code}",
    }


def ipn(order: PaymentOrder, *, paid: bool = True, **changes: str) -> dict[str, str]:
    """The signed IPN query the gateway sends for `order` (`changes` alter fields before it is signed)."""
    notice = sandbox.notice(pay_request(order) | changes, paid=paid)
    return notice


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def pay_in_sandbox(page, code: str) -> None:
    """In the browser of the dossier's applicant: from "my dossiers" to the sandbox gateway and back, paid
    with VNPay (the live server must have TINHSO_VNPAY_URL pointing at its own sandbox)."""
    page.goto("/ho-so/cua-toi/")
    page.locator("li.card", has_text=code).get_by_role("link", name="Nộp phí, lệ phí").click()
    pay_from_dossier_page(page)


def pay_from_dossier_page(page) -> None:
    """On the dossier's page, from its payment panel to the sandbox gateway and back, paid with VNPay."""
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    page.get_by_label("VNPay").check()
    page.locator("main form button[type=submit]").click()
    # The sandbox answers only once it has delivered the IPN to the live server, as slow as a loaded CI machine.
    page.get_by_role("button", name="Thanh toán", exact=True).click(timeout=60_000)
    page.wait_for_url("**/thanh-toan/vnpay/tra-ve?*")
