"""Which events notify whom, where the notification leads, and which template (texts.SPECS) writes it with
which values. Recipients come from the event's payload or from the record the event belongs to; nothing here
writes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tinhso.core.formats import form_value
from tinhso.core.language import in_active_language
from tinhso.core.models import Event
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.fieldreports import events as report_events
from tinhso.fieldreports import selectors as report_selectors
from tinhso.ioc import events as ioc_events
from tinhso.ioc import selectors as ioc_selectors
from tinhso.notifications import digest, texts
from tinhso.notifications.models import OutboxMessage, ProactiveRule
from tinhso.reporting import events as reporting_events


@dataclass(frozen=True)
class Message:
    """Whom an event tells, where the message leads, and the template (texts.SPECS) and values it is written
    from; the words themselves come from the templates, in each reader's language."""

    recipients: list[int]
    key: str
    params: dict[str, str]
    link: str

    def title(self, rows: texts.Rows, *, channel: str = "") -> str:
        """The line in the active language (the inbox's title, a mail's subject)."""
        return self.text(rows, channel=channel)[0]

    def text(self, rows: texts.Rows, *, channel: str = "") -> tuple[str, str]:
        language = translation.get_language() or settings.LANGUAGE_CODE
        return texts.render(rows, key=self.key, params=self.params, language=language, channel=channel)


def _stream_pk(event: Event) -> int:
    return int(event.stream.rsplit(":", 1)[1])


def _to_applicant(key: str) -> Callable[[Event], Message | None]:
    def build(event: Event) -> Message | None:
        applicant_id = dossier_selectors.applicant_id_of(_stream_pk(event))
        if applicant_id is None:
            return None
        code = event.payload.get("code", "")
        return Message([applicant_id], key, {"code": code}, reverse("dossiers:detail", args=[code]))

    return build


def _finished_dossier(event: Event) -> Message | None:
    """The applicant is told of a result they can open: at once when it is issued online, else on return."""
    online = dossier_selectors.finished_dossier_online(_stream_pk(event))
    if online is None:
        return None
    return _to_applicant(dossier_events.FINISHED if online else "dossier.finished.at_desk")(event)


def _entered_queue(key: str) -> Callable[[Event], Message | None]:
    """Tells the officials whose queue the dossier entered (not the one who sent it) that it waits for them."""

    def build(event: Event) -> Message | None:
        recipients = dossier_selectors.entered_queues(dossier_pk=_stream_pk(event), payload=event.payload)
        recipients = [pk for pk in recipients if pk != event.actor_id]
        if not recipients:
            return None
        code = event.payload.get("code", "")
        return Message(recipients, key, {"code": code}, reverse("dossiers:detail", args=[code]))

    return build


def _overdue_dossier(event: Event) -> Message:
    code = event.payload["code"]
    link = reverse("dossiers:detail", args=[code])
    return Message(list(event.payload.get("notify", [])), dossier_events.OVERDUE, {"code": code}, link)


def _escalated_report(event: Event) -> Message | None:
    code = report_selectors.tracking_code_of(_stream_pk(event))
    if code is None:
        return None
    link = reverse("fieldreports:staff-detail", args=[code])
    return Message(list(event.payload.get("leaders", [])), report_events.ESCALATED, {"code": code}, link)


def _published_report(event: Event) -> Message | None:
    code = report_selectors.tracking_code_of(_stream_pk(event))
    if code is None:
        return None
    recipients = report_selectors.people_to_tell(_stream_pk(event))
    link = reverse("fieldreports:report-detail", args=[code])
    return Message(recipients, report_events.PUBLISHED, {"code": code}, link)


def _alert(event: Event) -> Message:
    alert = ioc_selectors.alert_title(
        event.payload
    )  # in the active language, as the operations centre says it
    notify = list(event.payload.get("notify", []))
    return Message(notify, ioc_events.ALERT_RAISED, {"alert": alert}, reverse("ioc:dashboard"))


def _report_due(event: Event) -> Message:
    params = {
        "regime": event.payload.get("regime", ""),
        "period": event.payload.get("period", ""),
        "unit": event.payload.get("unit", ""),
        "due": form_value(event.payload.get("due", "")[:10]),  # 10/12/2026, not 2026-12-10
    }
    notify = list(event.payload.get("notify", []))
    return Message(notify, reporting_events.REMINDER_DUE, params, event.payload.get("link", ""))


RULES: dict[str, Callable[[Event], Message | None]] = {
    dossier_events.ACCEPTED: _to_applicant(dossier_events.ACCEPTED),
    dossier_events.REFUSED: _to_applicant(dossier_events.REFUSED),
    dossier_events.SUPPLEMENT_REQUESTED: _to_applicant(dossier_events.SUPPLEMENT_REQUESTED),
    dossier_events.PAYMENT_REQUESTED: _to_applicant(dossier_events.PAYMENT_REQUESTED),
    dossier_events.APOLOGIZED: _to_applicant(dossier_events.APOLOGIZED),
    dossier_events.STOPPED: _to_applicant(dossier_events.STOPPED),
    dossier_events.FINISHED: _finished_dossier,
    dossier_events.RETURNED: _to_applicant(dossier_events.RETURNED),
    dossier_events.OVERDUE: _overdue_dossier,
    dossier_events.SUBMITTED: _entered_queue(dossier_events.SUBMITTED),
    dossier_events.FORWARDED: _entered_queue(dossier_events.FORWARDED),
    dossier_events.SENT_BACK: _entered_queue(dossier_events.SENT_BACK),
    report_events.ESCALATED: _escalated_report,
    report_events.PUBLISHED: _published_report,
    ioc_events.ALERT_RAISED: _alert,
    reporting_events.REMINDER_DUE: _report_due,
}

# Messages that go only beyond the inbox, under their own template key: the applicant hears at once, on their
# own channels, that the online dossier has arrived (the inbox shows the dossier itself). Each event type
# here has an inbox rule too, so the delivery job reads it.
CHANNEL_ONLY: dict[str, tuple[str, Callable[[Event], Message | None]]] = {
    dossier_events.SUBMITTED: ("dossier_received", _to_applicant("dossier_received")),
}
BY_TEMPLATE = RULES | dict(CHANNEL_ONLY.values())


def channel_rules(action: str) -> list[tuple[str, Callable[[Event], Message | None]]]:
    """The (template key, rule) pairs whose messages an event of this type sends on people's channels."""
    pairs = [(action, RULES[action])] if action in RULES else []
    return pairs + ([CHANNEL_ONLY[action]] if action in CHANNEL_ONLY else [])


def text_of(message: OutboxMessage, rows: texts.Rows, *, channel: str) -> tuple[str, str]:
    """The outbox message's subject and body in the active language, from the channel's template, written
    again from its event like the inbox's."""
    if message.template.startswith(SUGGESTION):
        rule = ProactiveRule.objects.filter(code=message.template.removeprefix(SUGGESTION)).first()
        if rule is not None:
            line = suggestion_text(rule, date.fromisoformat(message.context["due"]))
            return line, line
    if message.template == digest.TEMPLATE:
        params = digest.params(message.context)
        language = translation.get_language() or settings.LANGUAGE_CODE
        return texts.render(rows, key=digest.TEMPLATE, params=params, language=language, channel=channel)
    by_template = BY_TEMPLATE.get(message.template)
    built = by_template(message.event) if by_template and message.event else None
    if built is not None:
        return built.text(rows, channel=channel)
    line = _("Tỉnh số có thông báo mới cho bạn về %(code)s.") % {"code": message.context.get("code", "")}
    return line, line


SUGGESTION = "suggestion:"  # template key prefix of a proactive rule's messages


def suggestion_text(rule: ProactiveRule, due_on: date) -> str:
    """The rule's message as the administrator wrote it, in English when there is one and English is active."""
    text = in_active_language(vi=rule.message, en=rule.message_en)
    try:
        return text % {"date": due_on.strftime("%d/%m/%Y")}
    except (KeyError, ValueError, TypeError):  # an edited message with a stray %: shown as written
        return text
