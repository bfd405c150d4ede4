"""The words of each kind of message, per channel and language: data an administrator edits (MessageTemplate),
with the texts below as the defaults that seeded it and that stand in for a template nobody kept.

Placeholders are `{name}`, filled by one plain substitution from a fixed list per kind of message, not by
Django's template language: a template there can look up attributes and call methods of whatever it is
given and load tags, so an edit could reach beyond the codes it is meant to show. Here a template names only
the values offered, each a string; a value is never read again as a template. No placeholder carries
personal data (no name, citizen ID, address or phone): a code and the platform's link only.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from unidecode import unidecode

from tinhso.dossiers import events as dossier_events
from tinhso.fieldreports import events as report_events
from tinhso.ioc import events as ioc_events
from tinhso.reporting import events as reporting_events

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# What each placeholder holds, and the longest value expected (the SMS length check assumes it).
PLACEHOLDERS: dict[str, tuple[Promise, int]] = {
    "code": (_("mã hồ sơ hoặc mã phản ánh"), 30),
    "regime": (_("mã chế độ báo cáo"), 20),
    "period": (_("kỳ báo cáo"), 10),
    "unit": (_("tên đơn vị"), 40),
    "due": (_("hạn gửi (dd/mm/yyyy)"), 10),
    "alert": (_("nội dung cảnh báo của trung tâm điều hành"), 100),
    "day": (_("ngày (dd/mm/yyyy)"), 10),
    "counts": (_("các việc đang chờ, đã đếm"), 100),
}


@dataclass(frozen=True)
class Spec:
    label: Promise  # the kind of message, as the administrator sees it
    vi: str
    en: str
    placeholders: tuple[str, ...] = ("code",)


SPECS: dict[str, Spec] = {
    dossier_events.ACCEPTED: Spec(
        _("Hồ sơ được tiếp nhận"), "Hồ sơ {code} đã được tiếp nhận.", "Dossier {code} has been accepted."
    ),
    dossier_events.REFUSED: Spec(
        _("Hồ sơ không được tiếp nhận"),
        "Hồ sơ {code} không được tiếp nhận. Xem lý do trong hồ sơ.",
        "Dossier {code} was refused at reception. See the reason in the dossier.",
    ),
    dossier_events.SUPPLEMENT_REQUESTED: Spec(
        _("Hồ sơ cần bổ sung"),
        "Hồ sơ {code} cần bổ sung giấy tờ.",
        "Dossier {code} needs additional documents.",
    ),
    dossier_events.PAYMENT_REQUESTED: Spec(
        _("Hồ sơ cần nộp phí, lệ phí"),
        "Hồ sơ {code} cần thực hiện nghĩa vụ tài chính.",
        "Fees or taxes are due for dossier {code}.",
    ),
    dossier_events.APOLOGIZED: Spec(
        _("Hồ sơ được hẹn lại ngày trả, kèm thư xin lỗi"),
        "Hồ sơ {code} được hẹn lại ngày trả kết quả, kèm thư xin lỗi.",
        "Dossier {code} has a new promised return date, with a letter of apology.",
    ),
    dossier_events.STOPPED: Spec(
        _("Hồ sơ dừng giải quyết"),
        "Hồ sơ {code} đã dừng giải quyết.",
        "Handling of dossier {code} has stopped.",
    ),
    dossier_events.FINISHED: Spec(
        _("Hồ sơ có kết quả điện tử"),
        "Hồ sơ {code} đã có kết quả điện tử; mời tải về.",
        "The electronic result of dossier {code} is ready to download.",
    ),
    "dossier.finished.at_desk": Spec(
        _("Hồ sơ giải quyết xong, nhận kết quả tại nơi tiếp nhận"),
        "Hồ sơ {code} đã giải quyết xong; nơi tiếp nhận sẽ trả kết quả cho bạn.",
        "Dossier {code} has been decided; the office that received it will hand the result over to you.",
    ),
    dossier_events.RETURNED: Spec(
        _("Hồ sơ đã trả kết quả"),
        "Hồ sơ {code} đã được trả kết quả.",
        "The result of dossier {code} has been returned.",
    ),
    "dossier_received": Spec(
        _("Hồ sơ trực tuyến đã đến cơ quan (báo cho người nộp)"),
        "Hồ sơ {code} đã được gửi đến cơ quan có thẩm quyền và đang chờ tiếp nhận.",
        "Dossier {code} has reached the competent authority and is waiting to be received.",
    ),
    dossier_events.OVERDUE: Spec(
        _("Hồ sơ quá hạn (báo cán bộ)"),
        "Hồ sơ {code} đã quá hạn xử lý.",
        "Dossier {code} is past its handling deadline.",
    ),
    dossier_events.SUBMITTED: Spec(
        _("Hồ sơ mới chờ tiếp nhận (báo cán bộ)"),
        "Hồ sơ mới {code} đang chờ anh/chị tiếp nhận.",
        "New dossier {code} is waiting for you to receive it.",
    ),
    dossier_events.FORWARDED: Spec(
        _("Hồ sơ chuyển đến bước xử lý (báo cán bộ)"),
        "Hồ sơ {code} đã chuyển đến bước xử lý của anh/chị.",
        "Dossier {code} has reached your processing step.",
    ),
    dossier_events.SENT_BACK: Spec(
        _("Hồ sơ chuyển lại bước xử lý (báo cán bộ)"),
        "Hồ sơ {code} được chuyển lại bước xử lý của anh/chị.",
        "Dossier {code} has been sent back to your processing step.",
    ),
    report_events.ESCALATED: Spec(
        _("Phản ánh quá hạn, chuyển lãnh đạo"),
        "Phản ánh {code} đã quá hạn xử lý và được chuyển lãnh đạo đơn vị.",
        "Report {code} is past its handling deadline and has been escalated to the unit leader.",
    ),
    report_events.PUBLISHED: Spec(
        _("Phản ánh hiện trường có kết quả"),
        "Phản ánh {code} đã có kết quả xử lý. Mời bạn xem và đánh giá.",
        "Report {code} has been resolved. Please take a look and rate the result.",
    ),
    ioc_events.ALERT_RAISED: Spec(_("Cảnh báo chỉ số (báo lãnh đạo)"), "{alert}", "{alert}", ("alert",)),
    reporting_events.REMINDER_DUE: Spec(
        _("Nhắc hạn gửi báo cáo"),
        "Nhắc hạn: báo cáo {regime} kỳ {period} của {unit} chưa gửi, hạn {due}.",
        "Reminder: report {regime} for {period} of {unit} not sent yet, due {due}.",
        ("regime", "period", "unit", "due"),
    ),
    "daily_digest": Spec(
        _("Bản tin công việc hằng ngày (báo cán bộ)"),
        "Việc của anh/chị ngày {day}: {counts}.",
        "Your work on {day}: {counts}.",
        ("day", "counts"),
    ),
}

SMS_SEGMENT = 153  # GSM-7 characters per part of a concatenated message
SMS_SEGMENTS = 2
GSM_EXTENDED = set("^{}\\[~]|€")  # each takes two characters of a segment
LINK_LENGTH = len("/tb/") + 32 + len("/")  # a message's link through the platform: /tb/<uuid hex>/


def fill(text: str, params: dict[str, str]) -> str:
    """One pass: each `{name}` offered becomes its value; a value is not read again."""
    return PLACEHOLDER.sub(lambda match: params.get(match.group(1), match.group(0)), text)


def sms_tail(*, link: str, unsubscribe: str) -> str:
    """What every SMS ends with: the message's link and its one-click opt-out."""
    return f" {link} Tu choi: {unsubscribe}"


def sms_length(text: str) -> int:
    """Characters of a segment the text takes once unaccented (GSM-7)."""
    return sum(2 if char in GSM_EXTENDED else 1 for char in unidecode(text))


def problems(*, key: str, channel: str, subject: str, body: str) -> dict[str, str]:
    """Why a template cannot be kept, by field (in the active language); empty when it can."""
    spec = SPECS.get(key)
    if spec is None:
        return {"key": str(_("Không có loại thông báo này."))}
    found = {}
    for field, text in (("subject", subject), ("body", body)):
        wrong = _placeholder_problem(text, spec.placeholders)
        if wrong:
            found[field] = wrong
    sms = body or subject
    if channel in ("", "sms") and not found:
        site = settings.TINHSO_SITE_URL
        link = site + LINK_LENGTH * "x"
        tail = sms_tail(link=link, unsubscribe=link + "huy/")
        longest = fill(sms, {name: "x" * PLACEHOLDERS[name][1] for name in spec.placeholders})
        length, limit = sms_length(longest + tail), SMS_SEGMENT * SMS_SEGMENTS
        if length > limit:
            found["body" if body else "subject"] = str(
                _(
                    "Tin nhắn SMS dài quá: %(length)s ký tự không dấu kể cả đường dẫn và chỗ điền dài nhất, "
                    "tối đa %(limit)s (2 tin). Hãy viết ngắn hơn."
                )
                % {"length": length, "limit": limit}
            )
    return found


def _placeholder_problem(text: str, allowed: tuple[str, ...]) -> str:
    unknown = [name for name in PLACEHOLDER.findall(text) if name not in allowed]
    if unknown:
        return str(
            _("Không dùng được {%(name)s} trong loại thông báo này; chỉ dùng được: %(allowed)s.")
            % {"name": unknown[0], "allowed": ", ".join(f"{{{name}}}" for name in allowed)}
        )
    if "{" in PLACEHOLDER.sub("", text) or "}" in PLACEHOLDER.sub("", text):
        return str(
            _("Dấu { } chỉ dùng quanh tên một chỗ điền, ví dụ {code}; chỉ dùng được: %(allowed)s.")
            % {"allowed": ", ".join(f"{{{name}}}" for name in allowed)}
        )
    return ""


Rows = dict[tuple[str, str, str], tuple[str, str]]  # (key, channel, language) → (subject, body) as stored


def render(
    rows: Rows, *, key: str, params: dict[str, str], language: str, channel: str = ""
) -> tuple[str, str]:
    """The subject and body: the channel's own template, else the one for every channel, else the default.
    A body left empty is the subject."""
    language = "en" if language.startswith("en") else "vi"
    for wanted in ((key, channel, language), (key, "", language)):
        if wanted in rows:
            subject, body = rows[wanted]
            break
    else:
        subject, body = getattr(SPECS[key], language), ""
    subject = fill(subject, params)
    return subject, fill(body, params) if body else subject
