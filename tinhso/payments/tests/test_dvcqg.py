"""The national portal's payment platform, against the local fake: the init transaction with its MaXacThuc and
receipt data, the payer paying there, and the signed confirm callback settling the order once."""

import json
from urllib.parse import urlsplit

import pytest

from tinhso.core.production import SANDBOX_PATH
from tinhso.dossiers.models import Status
from tinhso.payments import dvcqg, sandbox
from tinhso.payments.models import Callback, OrderStatus, PaymentOrder
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.payments import query_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
CONFIRM = "/thanh-toan/dvcqg/xac-nhan"


@pytest.fixture
def platform(settings, live_server):
    settings.TINHSO_DVCQG_PAY_URL = live_server.url + SANDBOX_PATH + "/dvcqg"
    sandbox.DVCQG_LEDGER.clear()
    return urlsplit(live_server.url).netloc


def _confirm(client, message: dict) -> dict:
    answer = client.post(CONFIRM, json.dumps(message), content_type="application/json").json()
    assert dvcqg.verified(answer, dvcqg.VERSIONS[dvcqg.VERSION].answer_fields, dvcqg_key())
    return answer


def dvcqg_key() -> str:
    from django.conf import settings

    return settings.TINHSO_DVCQG_HASH_KEY


def test_the_payer_pays_on_the_national_platform_and_its_confirmation_resumes_the_clock(
    client, cast, platform
):
    dossier = in_state(cast, "payment")
    client.force_login(cast.an)
    client.post(f"/thanh-toan/ho-so/{dossier.code}/")
    order = PaymentOrder.objects.get(dossier=dossier)
    sent = client.post(f"/thanh-toan/{order.reference}/tra/", {"version": order.version, "provider": "dvcqg"})
    init = sandbox.DVCQG_LEDGER[order.reference]
    assert init["SoTien"] == 200_000 and init["ThongTinBienLai"]["MaHoSo"] == dossier.code
    assert init["ThongTinBienLai"]["PhiLePhi"][0]["SoTien"] == 200_000
    assert dvcqg.verified(init, dvcqg.VERSIONS[dvcqg.VERSION].init_fields, dvcqg_key())

    page = urlsplit(sent["Location"])
    assert client.get(page.path, query_of(sent["Location"])).status_code == 200
    back = client.post(page.path, query_of(sent["Location"]) | {"choice": "pay"}, HTTP_HOST=platform)
    assert back["Location"] == f"/thanh-toan/{order.reference}/"

    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.transaction_no.startswith("DVC")
    assert dossier.status == Status.PROCESSING
    replay = sandbox.confirm_message(init, paid=True)
    assert _confirm(client, replay)["MaLoi"] == "00"  # recorded already: the platform stops retrying
    assert list(Callback.objects.values_list("answer", flat=True)) == ["00", "02"]


def test_a_forged_or_wrong_confirmation_is_refused(client, cast, platform):
    dossier = in_state(cast, "payment")
    client.force_login(cast.an)
    client.post(f"/thanh-toan/ho-so/{dossier.code}/")
    order = PaymentOrder.objects.get(dossier=dossier)
    client.post(f"/thanh-toan/{order.reference}/tra/", {"version": order.version, "provider": "dvcqg"})
    init = sandbox.DVCQG_LEDGER[order.reference]
    forged = sandbox.confirm_message(init, paid=True) | {"SoTien": 1}
    assert _confirm(client, forged)["MaLoi"] == "99"
    cheap = sandbox.confirm_message(init | {"SoTien": 1}, paid=True)
    assert _confirm(client, cheap)["MaLoi"] == "99"
    assert client.post(CONFIRM, "not json", content_type="application/json").json()["MaLoi"] == "99"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert list(Callback.objects.values_list("answer", flat=True)) == ["97", "04"]
