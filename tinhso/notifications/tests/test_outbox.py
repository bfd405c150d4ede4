"""The outbox: messages written with their event, sent by the job with retries, backoff and fallback, logged;
e-mail through a real SMTP server."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso.catalog.demo import PROCEDURES, publish
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers.models import Dossier
from tinhso.notifications import services, tasks
from tinhso.notifications.demo_data import DEMO_EMAIL, PERMIT, load
from tinhso.notifications.models import Consent, DeliveryAttempt, OutboxMessage, Preference, Suggestion
from tinhso.testing.dossier_flow import submitted
from tinhso.testing.notifications import reachable, sent

pytestmark = pytest.mark.django_db


def test_an_online_dossier_is_acknowledged_by_e_mail_through_a_real_smtp_server(
    cast, smtp, django_capture_on_commit_callbacks
):
    reachable(cast.an, email="an.nguyen@example.com")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        dossier = submitted(cast)
    assert tasks.queue_delivery in queued  # sent at commit, not a minute later
    message = OutboxMessage.objects.get(recipient=cast.an)
    assert message.template == "dossier_received" and message.status == OutboxMessage.Status.SENT
    assert message.sent_via == "email" and message.event.action == dossier_events.SUBMITTED
    [mail] = smtp.messages
    assert mail["To"] == "an.nguyen@example.com"
    # Python's parser keeps the folding space of a long encoded subject ("Subject: \n =?utf-8?b?…").
    assert (
        mail["Subject"].strip()
        == f"Hồ sơ {dossier.code} đã được gửi đến cơ quan có thẩm quyền và đang chờ tiếp nhận."
    )
    assert mail["Message-ID"] == f"<{message.pk}@tinhso.example>"
    assert mail["List-Unsubscribe"].strip() == f"<http://127.0.0.1:8000/tb/{message.pk.hex}/huy/>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"http://127.0.0.1:8000/tb/{message.pk.hex}/" in text and f"/tb/{message.pk.hex}/huy/" in text
    assert 'href="http://127.0.0.1:8000/tb/' in html and "Ngừng nhận thư như thế này" in html
    assert cast.an.citizen_id not in mail.as_string()  # a code and a link, never the citizen ID
    [attempt] = DeliveryAttempt.objects.filter(message=message)
    assert attempt.ok and attempt.answer == "250 accepted"


def test_a_reader_in_english_gets_the_mail_in_english(cast, smtp):
    reachable(cast.an, email="an.nguyen@example.com", language="en")
    dossier = sent(cast)
    [mail] = smtp.messages
    assert str(dossier.code) in mail["Subject"] and "Hồ sơ" not in mail["Subject"]
    assert "Stop receiving" in mail.get_body(("html",)).get_content()


def test_the_message_exists_exactly_when_its_event_does(cast):
    reachable(cast.an, email="an.nguyen@example.com")
    with pytest.raises(RuntimeError), transaction.atomic():
        submitted(cast)
        raise RuntimeError("the submission fails after its event was written")
    services.deliver_notifications()
    assert not OutboxMessage.objects.exists()  # its event never committed
    submitted(cast)
    services.deliver_notifications()
    services.deliver_notifications(now=timezone.now() + timedelta(minutes=1))  # looks at it again
    assert OutboxMessage.objects.get().template == "dossier_received"


def test_nobody_without_a_verified_contact_gets_an_outbox_message(cast):
    sent(cast)
    assert not OutboxMessage.objects.exists()


def test_a_failing_server_is_retried_with_backoff_then_the_next_channel_takes_over(cast, settings, gateways):
    reachable(cast.an, email="an.nguyen@example.com", phone="84912345678", order=["email", "sms"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    sent(cast)  # the first try
    message = OutboxMessage.objects.get(recipient=cast.an)
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 1
    first = message.next_attempt_at
    services.deliver_outbox(now=first - timedelta(seconds=1))  # not due yet
    assert DeliveryAttempt.objects.filter(message=message).count() == 1
    services.deliver_outbox(now=first)
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at - first == timedelta(minutes=4)
    services.deliver_outbox(now=message.next_attempt_at)  # third failure on e-mail: SMS at once
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.sent_via == "sms"
    log = list(DeliveryAttempt.objects.filter(message=message).values_list("channel", "ok"))
    assert log == [("email", False)] * 3 + [("sms", True)]
    assert "ConnectionRefusedError" in DeliveryAttempt.objects.filter(message=message).first().answer
    assert gateways.ids("json") == [str(message.pk)]


def test_a_message_whose_channels_all_fail_is_marked_failed_with_the_answer_kept(cast, gateways):
    reachable(cast.an, phone="84912345678", order=["sms"])
    gateways.fail("error")  # "brandname not active": not a timeout, still retried
    gateways.fail("http500", "error")
    sent(cast)
    message = OutboxMessage.objects.get(recipient=cast.an)
    for _ in range(2):
        services.deliver_outbox(now=OutboxMessage.objects.get().next_attempt_at)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    answers = [a.answer for a in DeliveryAttempt.objects.filter(message=message)]
    assert "104" in answers[0] and "HTTP 500" in answers[1] and "104" in answers[2]
    assert gateways.delivered == []


def test_a_worker_killed_after_the_gateway_took_a_message_sends_nothing_twice(cast, gateways, monkeypatch):
    reachable(cast.an, phone="84912345678", order=["sms"])

    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_settle", killed)
    submitted(cast)
    services.deliver_notifications()
    with pytest.raises(SystemExit):
        services.deliver_outbox()
    monkeypatch.undo()
    message = OutboxMessage.objects.get(recipient=cast.an)
    assert message.status == OutboxMessage.Status.SENDING  # claimed, sent, never settled
    services.deliver_outbox(now=timezone.now())  # its lease has not run out: nobody takes it
    assert gateways.requests == [("json", str(message.pk))]
    services.deliver_outbox(now=message.next_attempt_at)  # the lease ran out: sent again, same id
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert gateways.requests == [("json", str(message.pk))] * 2 and gateways.ids("json") == [str(message.pk)]


def test_each_channel_sends_no_more_than_its_rate_per_minute(cast, settings, gateways):
    settings.TINHSO_SEND_RATES = settings.TINHSO_SEND_RATES | {"sms": 2}
    reachable(cast.an, phone="84912345678", order=["sms"])
    with transaction.atomic():
        for _ in range(3):
            submitted(cast)
    services.deliver_notifications()
    services.deliver_outbox()
    assert len(gateways.delivered) == 2 and OutboxMessage.objects.filter(status="pending").count() == 1
    services.deliver_outbox(now=timezone.now() + timedelta(minutes=1, seconds=1))
    assert len(gateways.delivered) == 3


def test_the_opt_out_link_stops_that_kind_of_message_on_that_channel_in_one_post(cast, client, smtp):
    reachable(cast.an, email="an.nguyen@example.com")
    sent(cast)
    message = OutboxMessage.objects.get()
    assert "Ngừng nhận" in client.get(f"/tb/{message.pk.hex}/huy/").content.decode()
    response = client.post(f"/tb/{message.pk.hex}/huy/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Thư điện tử" in response.content.decode()
    consent = Consent.objects.get(user=cast.an)
    assert (consent.channel, consent.purpose, consent.granted, consent.via) == (
        "email",
        "notices",
        False,
        "unsubscribe",
    )
    sent(cast)
    assert OutboxMessage.objects.count() == 1 and len(smtp.messages) == 1
    assert client.post("/tb/0123456789abcdef0123456789abcdef/huy/").status_code == 404
    assert client.get("/tb/not-a-message/huy/").status_code == 404


def test_a_message_link_counts_its_opening_and_leads_to_the_dossier(cast, client, smtp):
    reachable(cast.an, email="an.nguyen@example.com")
    dossier = sent(cast)
    message = OutboxMessage.objects.get()
    response = client.get(f"/tb/{message.pk.hex}/")
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{dossier.code}/"
    message.refresh_from_db()
    assert message.opened_at is not None


def test_the_demo_citizen_gets_real_mail_and_a_suggestion_to_extend_their_permit(cast, smtp, client):
    for spec in PROCEDURES:
        if spec.code in (PERMIT, "1.013227"):
            publish(spec)
    type(cast.an).objects.filter(pk=cast.an.pk).update(username="congdan", is_demo=True)
    type(cast.an).objects.filter(pk=cast.commune_desk.pk).update(is_demo=True)
    services.deliver_notifications()  # as the generator's demo step does before the history
    lines = load()
    assert lines[0] == f"thư điện tử của congdan: {DEMO_EMAIL} (gửi qua 127.0.0.1:{smtp.port})"
    assert lines[2] == "bản tin công việc 07:00 mỗi ngày: motcua.anxuyen (motcua.anxuyen@example.com)"
    assert Preference.objects.get(user=cast.commune_desk).daily_digest
    permit = Dossier.objects.get(procedure__code=PERMIT)
    assert permit.applicant == cast.an and permit.finished_at is not None
    assert (timezone.now() - permit.finished_at).days in range(340, 346)  # issued eleven months ago
    [suggestion] = Suggestion.objects.filter(user=cast.an)
    assert suggestion.rule.code == "building-permit-expiry" and suggestion.key == permit.code
    load()  # a second load-demo adds nothing
    assert Dossier.objects.filter(procedure__code=PERMIT).count() == 1 and Suggestion.objects.count() == 1
    services.deliver_outbox()
    [told] = smtp.messages
    assert (
        told["To"] == DEMO_EMAIL
        and "Giấy phép xây dựng của bạn hết hiệu lực khởi công ngày" in told["Subject"]
    )
    client.force_login(cast.an)
    assert "Giấy phép xây dựng của bạn hết hiệu lực khởi công ngày" in client.get("/").content.decode()
    form = client.get(f"/goi-y/{suggestion.pk}/", follow=True)
    assert form.redirect_chain[-1][0] == "/thu-tuc/1.013227/nop/"
    assert (
        "Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên" in form.content.decode()
    )  # the earlier answer
    dossier = sent(cast)
    assert dossier.code in smtp.messages[-1]["Subject"]
    assert services.send_daily_digests() == 1  # the desk officer's queue, in one message of the day
    [digest] = OutboxMessage.objects.filter(template="daily_digest")
    assert digest.recipient == cast.commune_desk
