"""Which events notify whom, and what the notification says. Recipients come from the event's payload
or from the record the event belongs to; nothing here writes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.formats import form_value
from tinhso.core.language import in_active_language
from tinhso.core.models import Event
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.fieldreports import events as report_events
from tinhso.fieldreports import selectors as report_selectors
from tinhso.ioc import events as ioc_events
from tinhso.ioc import selectors as ioc_selectors
from tinhso.notifications import digest
from tinhso.notifications.models import OutboxMessage, ProactiveRule
from tinhso.reporting import events as reporting_events


@dataclass(frozen=True)
class Message:
    recipients: list[int]
    title: str
    link: str


def _stream_pk(event: Event) -> int:
    return int(event.stream.rsplit(":", 1)[1])


def _to_applicant(title: str | Promise) -> Callable[[Event], Message | None]:
    """`title` is lazy, so it is written in the language active when the message is built."""

    def build(event: Event) -> Message | None:
        applicant_id = dossier_selectors.applicant_id_of(_stream_pk(event))
        if applicant_id is None:
            return None
        code = event.payload.get("code", "")
        return Message([applicant_id], str(title) % {"code": code}, reverse("dossiers:detail", args=[code]))

    return build


def _finished_dossier(event: Event) -> Message | None:
    """The applicant is told of a result they can open: at once when it is issued online, else on return."""
    online = dossier_selectors.finished_dossier_online(_stream_pk(event))
    if online is None:
        return None
    title = (
        _("Hồ sơ %(code)s đã có kết quả điện tử; mời tải về.")
        if online
        else _("Hồ sơ %(code)s đã giải quyết xong; nơi tiếp nhận sẽ trả kết quả cho bạn.")
    )
    return _to_applicant(title)(event)


def _entered_queue(title: str | Promise) -> Callable[[Event], Message | None]:
    """Tells the officials whose queue the dossier entered (not the one who sent it) that it waits for them."""

    def build(event: Event) -> Message | None:
        recipients = dossier_selectors.entered_queues(dossier_pk=_stream_pk(event), payload=event.payload)
        recipients = [pk for pk in recipients if pk != event.actor_id]
        if not recipients:
            return None
        code = event.payload.get("code", "")
        return Message(recipients, str(title) % {"code": code}, reverse("dossiers:detail", args=[code]))

    return build


def _overdue_dossier(event: Event) -> Message:
    code = event.payload["code"]
    title = _("Hồ sơ %(code)s đã quá hạn xử lý.") % {"code": code}
    return Message(list(event.payload.get("notify", [])), title, reverse("dossiers:detail", args=[code]))


def _escalated_report(event: Event) -> Message | None:
    code = report_selectors.tracking_code_of(_stream_pk(event))
    if code is None:
        return None
    title = _("Phản ánh %(code)s đã quá hạn xử lý và được chuyển lãnh đạo đơn vị.") % {"code": code}
    return Message(
        list(event.payload.get("leaders", [])), title, reverse("fieldreports:staff-detail", args=[code])
    )


def _published_report(event: Event) -> Message | None:
    code = report_selectors.tracking_code_of(_stream_pk(event))
    if code is None:
        return None
    recipients = report_selectors.people_to_tell(_stream_pk(event))
    title = _("Phản ánh %(code)s đã có kết quả xử lý. Mời bạn xem và đánh giá.") % {"code": code}
    return Message(recipients, title, reverse("fieldreports:report-detail", args=[code]))


def _alert(event: Event) -> Message:
    title = ioc_selectors.alert_title(event.payload)
    return Message(list(event.payload.get("notify", [])), title, reverse("ioc:dashboard"))


def _report_due(event: Event) -> Message:
    title = _("Nhắc hạn: báo cáo %(regime)s kỳ %(period)s của %(unit)s chưa gửi, hạn %(due)s.") % {
        "regime": event.payload.get("regime", ""),
        "period": event.payload.get("period", ""),
        "unit": event.payload.get("unit", ""),
        "due": form_value(event.payload.get("due", "")[:10]),  # 10/12/2026, not 2026-12-10
    }
    return Message(list(event.payload.get("notify", [])), title, event.payload.get("link", ""))


RULES: dict[str, Callable[[Event], Message | None]] = {
    dossier_events.ACCEPTED: _to_applicant(gettext_lazy("Hồ sơ %(code)s đã được tiếp nhận.")),
    dossier_events.REFUSED: _to_applicant(
        gettext_lazy("Hồ sơ %(code)s không được tiếp nhận. Xem lý do trong hồ sơ.")
    ),
    dossier_events.SUPPLEMENT_REQUESTED: _to_applicant(gettext_lazy("Hồ sơ %(code)s cần bổ sung giấy tờ.")),
    dossier_events.PAYMENT_REQUESTED: _to_applicant(
        gettext_lazy("Hồ sơ %(code)s cần thực hiện nghĩa vụ tài chính.")
    ),
    dossier_events.APOLOGIZED: _to_applicant(
        gettext_lazy("Hồ sơ %(code)s được hẹn lại ngày trả kết quả, kèm thư xin lỗi.")
    ),
    dossier_events.STOPPED: _to_applicant(gettext_lazy("Hồ sơ %(code)s đã dừng giải quyết.")),
    dossier_events.FINISHED: _finished_dossier,
    dossier_events.RETURNED: _to_applicant(gettext_lazy("Hồ sơ %(code)s đã được trả kết quả.")),
    dossier_events.OVERDUE: _overdue_dossier,
    dossier_events.SUBMITTED: _entered_queue(gettext_lazy("Hồ sơ mới %(code)s đang chờ anh/chị tiếp nhận.")),
    dossier_events.FORWARDED: _entered_queue(
        gettext_lazy("Hồ sơ %(code)s đã chuyển đến bước xử lý của anh/chị.")
    ),
    dossier_events.SENT_BACK: _entered_queue(
        gettext_lazy("Hồ sơ %(code)s được chuyển lại bước xử lý của anh/chị.")
    ),
    report_events.ESCALATED: _escalated_report,
    report_events.PUBLISHED: _published_report,
    ioc_events.ALERT_RAISED: _alert,
    reporting_events.REMINDER_DUE: _report_due,
}

# Messages that go only beyond the inbox, under their own template key: the applicant hears at once, on their
# own channels, that the online dossier has arrived (the inbox shows the dossier itself). Each event type
# here has an inbox rule too, so the delivery job reads it.
CHANNEL_ONLY: dict[str, tuple[str, Callable[[Event], Message | None]]] = {
    dossier_events.SUBMITTED: (
        "dossier_received",
        _to_applicant(
            gettext_lazy("Hồ sơ %(code)s đã được gửi đến cơ quan có thẩm quyền và đang chờ tiếp nhận.")
        ),
    ),
}
BY_TEMPLATE = RULES | dict(CHANNEL_ONLY.values())


def channel_rules(action: str) -> list[tuple[str, Callable[[Event], Message | None]]]:
    """The (template key, rule) pairs whose messages an event of this type sends on people's channels."""
    pairs = [(action, RULES[action])] if action in RULES else []
    return pairs + ([CHANNEL_ONLY[action]] if action in CHANNEL_ONLY else [])


def subject_of(message: OutboxMessage) -> str:
    """The outbox message's line in the active language, written again from its event like the inbox's."""
    if message.template.startswith(SUGGESTION):
        rule = ProactiveRule.objects.filter(code=message.template.removeprefix(SUGGESTION)).first()
        if rule is not None:
            return suggestion_text(rule, date.fromisoformat(message.context["due"]))
    if message.template == digest.TEMPLATE:
        return digest.text(message.context)
    by_template = BY_TEMPLATE.get(message.template)
    built = by_template(message.event) if by_template and message.event else None
    if built is not None:
        return built.title
    return _("Tỉnh số có thông báo mới cho bạn về %(code)s.") % {"code": message.context.get("code", "")}


SUGGESTION = "suggestion:"  # template key prefix of a proactive rule's messages


def suggestion_text(rule: ProactiveRule, due_on: date) -> str:
    """The rule's message as the administrator wrote it, in English when there is one and English is active."""
    text = in_active_language(vi=rule.message, en=rule.message_en)
    try:
        return text % {"date": due_on.strftime("%d/%m/%Y")}
    except (KeyError, ValueError, TypeError):  # an edited message with a stray %: shown as written
        return text
