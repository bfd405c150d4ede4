"""Message templates as data: an administrator's edit is what the next message says, in each reader's
language and on each channel; a template that names a value not offered or would not fit an SMS is refused
beside its field."""

import pytest

from tinhso.core.models import User
from tinhso.notifications import texts
from tinhso.notifications.models import MessageTemplate
from tinhso.testing.notifications import reachable, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = User.objects.create_superuser(username="quantri", password="Quantri@2026", email="qt@example.com")
    client.force_login(user)
    return client


def change_url(template: MessageTemplate) -> str:
    return f"/admin/notifications/messagetemplate/{template.pk}/change/"


def edit(administrator, template: MessageTemplate, **changes: str):
    form = {
        "key": template.key,
        "channel": template.channel,
        "language": template.language,
        "subject": template.subject,
        "body": template.body,
    }
    return administrator.post(change_url(template), form | changes)


def received(language: str) -> MessageTemplate:
    return MessageTemplate.objects.get(key="dossier_received", channel="", language=language)


def test_an_administrators_edit_changes_the_next_message_sent(cast, smtp, administrator):
    reachable(cast.an, email="an.nguyen@example.com")
    page = administrator.get(change_url(received("vi"))).content.decode()
    assert "<code>{code}</code>" in page  # the values the kind offers are shown beside the form
    response = edit(
        administrator,
        received("vi"),
        subject="Tỉnh số đã nhận hồ sơ {code}",
        body="Hồ sơ {code} của bạn đã đến cơ quan giải quyết.",
    )
    assert response.status_code == 302
    dossier = sent(cast)
    [mail] = smtp.messages
    assert mail["Subject"].strip() == f"Tỉnh số đã nhận hồ sơ {dossier.code}"
    assert mail.get_body(("plain",)).get_content().startswith(f"Hồ sơ {dossier.code} của bạn đã đến cơ quan")


def test_a_template_naming_a_value_not_offered_is_refused_beside_its_field(administrator):
    before = received("vi").subject
    response = edit(administrator, received("vi"), subject="Hồ sơ {code} của công dân {citizen_id}")
    page = response.content.decode()
    assert response.status_code == 200
    refusal = "Không dùng được {citizen_id} trong loại thông báo này; chỉ dùng được: {code}."
    assert refusal in page
    assert response.context["adminform"].form.errors == {"subject": [refusal]}  # beside the subject
    response = edit(administrator, received("vi"), subject="Hồ sơ {code.__class__} đã nhận")
    assert "Dấu { } chỉ dùng quanh tên một chỗ điền" in response.content.decode()  # no attribute access
    assert received("vi").subject == before


def test_an_sms_over_two_segments_is_refused_but_the_same_text_for_e_mail_only_is_kept(administrator):
    long = "Hồ sơ {code} đã được gửi đến cơ quan có thẩm quyền. " * 3
    response = edit(administrator, received("vi"), body=long)
    assert "Tin nhắn SMS dài quá" in response.content.decode() and received("vi").body == ""
    assert list(response.context["adminform"].form.errors) == ["body"]
    mail_only = {"key": "dossier_received", "channel": "email", "language": "vi", "subject": "Đã nhận {code}"}
    response = administrator.post("/admin/notifications/messagetemplate/add/", mail_only | {"body": long})
    assert response.status_code == 302
    assert MessageTemplate.objects.get(channel="email").body == long.strip()


def test_english_readers_get_the_english_template_and_a_channel_its_own(cast, smtp, gateways):
    reachable(cast.an, email="an.nguyen@example.com", language="en")
    MessageTemplate.objects.filter(pk=received("en").pk).update(subject="We have your dossier {code}.")
    MessageTemplate.objects.create(
        key="dossier_received", channel="sms", language="en", subject="x", body="SMS: dossier {code} is in."
    )
    dossier = sent(cast)
    [mail] = smtp.messages
    assert mail["Subject"].strip() == f"We have your dossier {dossier.code}."
    assert not gateways.delivered  # an e-mail reader: the SMS template is not used for mail


def test_the_sms_channel_sends_its_own_template_unaccented(cast, gateways):
    reachable(cast.an, phone="84912345678", order=["sms"])
    MessageTemplate.objects.create(
        key="dossier_received", channel="sms", language="vi", subject="x", body="Đã nhận hồ sơ {code}."
    )
    dossier = sent(cast)
    [delivered] = gateways.delivered
    assert delivered.body["Content"].startswith(f"Da nhan ho so {dossier.code}. http")


def test_a_kind_without_a_template_falls_back_to_its_default_text(cast, smtp):
    reachable(cast.an, email="an.nguyen@example.com")
    MessageTemplate.objects.all().delete()
    dossier = sent(cast)
    [mail] = smtp.messages
    assert mail["Subject"].strip() == texts.SPECS["dossier_received"].vi.format(code=dossier.code)


def test_the_seeded_templates_are_the_defaults_in_both_languages_and_pass_their_own_checks():
    rows = MessageTemplate.objects.all()
    assert rows.count() == 2 * len(texts.SPECS)
    for row in rows:
        assert row.subject == getattr(texts.SPECS[row.key], row.language)
        assert texts.problems(key=row.key, channel=row.channel, subject=row.subject, body=row.body) == {}


def test_a_value_is_filled_in_once_and_never_read_as_a_template():
    assert texts.fill("Hồ sơ {code}: {other}", {"code": "{alert}"}) == "Hồ sơ {alert}: {other}"
    assert not any("citizen" in name or "name" in name for name in texts.PLACEHOLDERS)
