"""In a real browser: a citizen opts in to web push on the settings page (the service worker built with the
other assets registers), a proactive rule finds them, the push reaches the browser's endpoint encrypted,
and one click on the home page's suggestion opens the form filled from the registry, which they submit.

Headless Chromium cannot reach a real push service offline, so the page's `PushManager.subscribe` answers
with a subscription whose endpoint is the local fake push service (keys made like a browser's); everything
after it (the page's script, the platform's API, pywebpush's encryption, the decryption) is real."""

import json

import pytest
from django.db import transaction
from playwright.sync_api import expect

from tinhso.dossiers.models import Dossier
from tinhso.notifications import services
from tinhso.notifications.fakes import FakeGateways
from tinhso.notifications.models import Consent, ProactiveRule, PushSubscription, Suggestion
from tinhso.testing.browser import sign_in
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.dossiers import AN_XUYEN, RECORD, RESIDENCE
from tinhso.testing.notifications import vapid_keys

pytestmark = pytest.mark.browser

SUBSCRIBE_TO_FAKE = """
window.__subscription = %s;
PushManager.prototype.subscribe = async function () {
  return { toJSON: () => window.__subscription };
};
"""


def test_a_citizen_opts_in_to_push_gets_a_suggestion_and_submits_the_prefilled_form(page, cast, settings):
    settings.TINHSO_VAPID_PRIVATE_KEY, settings.TINHSO_VAPID_PUBLIC_KEY = vapid_keys()
    with FakeGateways() as fake:
        page.context.grant_permissions(["notifications"])
        page.add_init_script(SUBSCRIBE_TO_FAKE % json.dumps(fake.browser("chromium")))
        sign_in(page, username="096090001234", password="Camau@2026")
        page.goto("/thong-bao/cai-dat/")
        page.get_by_role("button", name="Nhận thông báo trên trình duyệt này").click()
        expect(page.locator("[data-push-state]")).to_have_text("Trình duyệt đã đăng ký nhận thông báo.")
        assert PushSubscription.objects.get().user == cast.an
        page.get_by_label("Kênh ưu tiên").select_option("push")
        page.get_by_label("Thông báo trên trình duyệt: Gợi ý dịch vụ công tôi cần làm").check()
        page.get_by_role("button", name="Lưu cài đặt").click()
        expect(page.locator(".alert-success")).to_have_text("Đã lưu cài đặt thông báo.")
        consent = Consent.objects.get(user=cast.an, channel="push", purpose="suggestions")
        assert consent.granted and consent.text_version == services.CONSENT_TEXT_VERSION

        ProactiveRule.objects.filter(code="newborn-permanent-residence").update(
            params={"after": [RECORD], "within_days": 60}
        )
        with transaction.atomic():
            in_state(cast, "finished")
        assert services.run_rule(code="newborn-permanent-residence") == 1
        services.deliver_outbox()
        [pushed] = [d for d in fake.delivered if d.gateway == "push"]
        assert pushed.body["title"].startswith("Con bạn vừa được đăng ký khai sinh.")

        page.goto("/")
        suggestions = page.locator("#suggestions-title").locator("..")
        expect(suggestions).to_contain_text("Mời đăng ký thường trú cho trẻ")
        suggestions.get_by_role("link", name="Mở tờ khai đã điền sẵn").click()
        expect(page).to_have_url(f"{page.url.split('/thu-tuc/')[0]}/thu-tuc/{RESIDENCE}/nop/")
        address = page.get_by_label("Địa chỉ nơi đăng ký cư trú")
        expect(address).to_have_value("Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên, Tỉnh Cà Mau")
        page.get_by_label("Nơi nộp hồ sơ").select_option(AN_XUYEN)
        page.get_by_label("Quan hệ với chủ hộ").fill("Con")
        page.get_by_role("button", name="Nộp hồ sơ").click()
        expect(page.locator(".alert-success")).to_contain_text("Đã nộp hồ sơ.")
        assert Dossier.objects.filter(procedure__code=RESIDENCE, applicant=cast.an).exists()
        assert Suggestion.objects.get(user=cast.an).opened_at is not None
