"""The indicators of the service index (Decision 766/QĐ-TTg) and the field-report KPIs: how a record
counts, judged from its fact row, and how the counters turn into rates and points. Pure functions."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import repeat
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from tinhso.core import caching

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from tinhso.core.working_time import add_working_time, local_zone
from tinhso.dossiers.models import Channel, Rating, Status
from tinhso.ioc.periods import Period, containing, of, through

GROUPS = (
    ("CKMB", _("Công khai, minh bạch"), 18),
    ("TDGQ", _("Tiến độ giải quyết"), 20),
    ("CLGQ", _("Dịch vụ trực tuyến"), 12),
    ("TTTT", _("Thanh toán trực tuyến"), 10),
    ("MDSH", _("Mức độ số hóa hồ sơ"), 22),
    ("MDHL", _("Mức độ hài lòng"), 18),
)


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name: "StrOrPromise"
    points: float
    formula: "StrOrPromise"
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    full_at: float = 1.0
    # counters | catalog | composite | mixed (procedures counted in the counters ÷ the catalog's) | none
    source: str = "counters"
    reason: "StrOrPromise" = ""
    drill: str = ""  # which records lie behind it: dossiers, reports or procedures
    unit_word: str = field(default="hồ sơ")


# The online-payment group's metrics: dossiers that owed a fee, those paid online, and one metric per
# procedure paid online ("pp:<code>"), so that summing units counts each procedure once.
FEE_OWED, PAID_ONLINE, PAID_PROCEDURE = "fee_owed", "paid_online", "pp:"
# The catalog's count whose procedures 4.2 is over: those charging a fee (indicator 4.1's).
FEE_CATALOG = "4.1"
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "1.1",
        "CKMB",
        _("Thủ tục công khai đúng hạn"),
        6,
        "",
        source="none",
        reason=_("Danh mục không ghi ngày ban hành quyết định công bố, nên không xét được đúng hạn."),
    ),
    Indicator(
        "1.2",
        "CKMB",
        _("Thủ tục có mã trên Cơ sở dữ liệu quốc gia"),
        4,
        _(
            "thủ tục đang áp dụng có mã Cơ sở dữ liệu quốc gia ÷ thủ tục đang áp dụng (chưa có ngày cập nhật để xét đúng hạn)"
        ),
        source="catalog",
        drill="procedures",
        unit_word="thủ tục",
    ),
    Indicator(
        "1.3",
        "CKMB",
        _("Thủ tục công khai đủ bộ phận"),
        2,
        _(
            "thủ tục có tên, trình tự, cách thức, thành phần hồ sơ, thời hạn, cơ quan giải quyết ÷ thủ tục đang áp dụng"
        ),
        source="catalog",
        drill="procedures",
        unit_word="thủ tục",
    ),
    Indicator(
        "1.4",
        "CKMB",
        _("Hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia"),
        6,
        "",
        source="none",
        reason=_("Chưa có kết nối đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia."),
    ),
    Indicator(
        "2.1",
        "TDGQ",
        _("Hồ sơ giải quyết đúng hạn hoặc còn trong hạn"),
        20,
        _(
            "(hồ sơ kết thúc trong kỳ đúng hạn + hồ sơ còn mở cuối kỳ chưa quá hạn) ÷ (hồ sơ kết thúc trong kỳ + hồ sơ còn mở cuối kỳ)"
        ),
        ("resolved_on_time", "open_on_time"),
        ("resolved", "open"),
        drill="dossiers",
    ),
    Indicator(
        "3.1",
        "CLGQ",
        _("Thủ tục cung cấp dịch vụ công trực tuyến"),
        4,
        _(
            "thủ tục có dịch vụ công trực tuyến (toàn trình hoặc một phần) ÷ thủ tục đang áp dụng; đủ điểm ở 80%"
        ),
        full_at=0.8,
        source="catalog",
        drill="procedures",
        unit_word="thủ tục",
    ),
    Indicator(
        "3.2",
        "CLGQ",
        _("Hồ sơ nộp trực tuyến"),
        4,
        _("hồ sơ tiếp nhận trong kỳ nộp trực tuyến ÷ hồ sơ tiếp nhận trong kỳ; đủ điểm ở 50%"),
        ("received_online",),
        ("received",),
        full_at=0.5,
        drill="dossiers",
    ),
    Indicator(
        "3.3",
        "CLGQ",
        _("Hồ sơ trực tuyến toàn trình"),
        4,
        _("hồ sơ nộp trực tuyến của thủ tục toàn trình ÷ hồ sơ của thủ tục toàn trình tiếp nhận trong kỳ"),
        ("received_full_online",),
        ("received_full",),
        drill="dossiers",
    ),
    Indicator(
        "4.1",
        "TTTT",
        _("Thủ tục cho phép nộp phí trực tuyến"),
        2,
        _("thủ tục có phí, lệ phí nộp được trực tuyến trên nền tảng ÷ thủ tục đang áp dụng có phí, lệ phí"),
        full_at=0.8,
        source="catalog",
        drill="procedures",
        unit_word="thủ tục",
    ),
    Indicator(
        "4.2",
        "TTTT",
        _("Thủ tục có phát sinh thanh toán trực tuyến"),
        2,
        _("thủ tục có hồ sơ thanh toán trực tuyến trong kỳ ÷ thủ tục đang áp dụng có phí, lệ phí"),
        source="mixed",
        drill="dossiers",
    ),
    Indicator(
        "4.3",
        "TTTT",
        _("Hồ sơ có phí được thanh toán trực tuyến"),
        6,
        _("hồ sơ thanh toán trực tuyến trong kỳ ÷ hồ sơ phát sinh phí, lệ phí hoặc thanh toán trong kỳ"),
        (PAID_ONLINE,),
        (FEE_OWED,),
        drill="dossiers",
    ),
    Indicator(
        "5.1",
        "MDSH",
        _("Hồ sơ có kết quả điện tử"),
        6,
        _("hồ sơ có kết quả trong kỳ kèm tệp kết quả điện tử ÷ hồ sơ có kết quả trong kỳ"),
        ("finished_eresult",),
        ("finished",),
        drill="dossiers",
    ),
    Indicator(
        "5.2",
        "MDSH",
        _("Hồ sơ được số hóa thành phần và kết quả"),
        4,
        _(
            "hồ sơ có kết quả trong kỳ, nộp trực tuyến (thành phần số) và có kết quả điện tử ÷ hồ sơ có kết quả trong kỳ; đủ điểm ở 80%"
        ),
        ("finished_digitised",),
        ("finished",),
        full_at=0.8,
        drill="dossiers",
    ),
    Indicator(
        "5.3",
        "MDSH",
        _("Cấp bản sao điện tử có chứng thực"),
        2,
        "",
        source="none",
        reason=_("Nền tảng chưa cấp bản sao điện tử có chứng thực."),
    ),
    Indicator(
        "5.4",
        "MDSH",
        _("Hồ sơ tái sử dụng dữ liệu số hóa"),
        2,
        "",
        full_at=0.8,
        source="none",
        reason=_("Hồ sơ chưa ghi thành phần nào được lấy lại từ dữ liệu đã số hóa."),
    ),
    Indicator(
        "5.5",
        "MDSH",
        _("Hồ sơ liên kết kho dữ liệu của công dân"),
        4,
        "",
        source="none",
        reason=_("Hồ sơ chưa ghi liên kết với kho dữ liệu cá nhân của công dân."),
    ),
    Indicator(
        "5.6",
        "MDSH",
        _("Thủ tục kết nối Cơ sở dữ liệu quốc gia về dân cư"),
        2,
        _("thủ tục có giấy tờ lấy từ Cơ sở dữ liệu quốc gia về dân cư ÷ thủ tục đang áp dụng"),
        source="catalog",
        drill="procedures",
        unit_word="thủ tục",
    ),
    Indicator(
        "5.7",
        "MDSH",
        _("Hồ sơ sử dụng dữ liệu dân cư"),
        2,
        "",
        source="none",
        reason=_("Hồ sơ chưa ghi việc khai thác Cơ sở dữ liệu quốc gia về dân cư."),
    ),
    Indicator(
        "6.1",
        "MDHL",
        _("Phản ánh, kiến nghị về thủ tục được xử lý đúng hạn"),
        6,
        "",
        source="none",
        reason=_(
            "Nền tảng chưa tiếp nhận phản ánh, kiến nghị về thủ tục hành chính (khác phản ánh hiện trường)."
        ),
    ),
    Indicator(
        "6.2",
        "MDHL",
        _("Hài lòng về xử lý phản ánh, kiến nghị"),
        6,
        "",
        source="none",
        reason=_(
            "Nền tảng chưa tiếp nhận phản ánh, kiến nghị về thủ tục hành chính (khác phản ánh hiện trường)."
        ),
    ),
    Indicator(
        "6.3",
        "MDHL",
        _("Hài lòng về giải quyết hồ sơ"),
        6,
        _(
            "1 − (tỷ lệ hồ sơ quá hạn theo chỉ số 2.1 + hồ sơ bị đánh giá không hài lòng trong kỳ ÷ hồ sơ kết thúc trong kỳ); đủ điểm ở 90%"
        ),
        full_at=0.9,
        source="composite",
        drill="dossiers",
    ),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

# Informational KPIs, without points: the applicants' ratings and the field reports.
EXTRA = (
    Indicator(
        "HL",
        "",
        _("Đánh giá hài lòng của người dân"),
        0,
        _("đánh giá hài lòng hoặc rất hài lòng trong kỳ ÷ đánh giá trong kỳ"),
        ("rated_satisfied",),
        ("rated",),
        drill="dossiers",
    ),
    Indicator(
        "PA.1",
        "PAHT",
        _("Phản ánh tiếp nhận"),
        0,
        _("phản ánh gửi trong kỳ"),
        ("fr_received",),
        drill="reports",
        unit_word="phản ánh",
    ),
    Indicator(
        "PA.2",
        "PAHT",
        _("Phản ánh đã xử lý"),
        0,
        _("phản ánh có kết quả được công bố trong kỳ"),
        ("fr_handled",),
        drill="reports",
        unit_word="phản ánh",
    ),
    Indicator(
        "PA.3",
        "PAHT",
        _("Phản ánh xử lý đúng hạn"),
        0,
        _("phản ánh có kết quả trong kỳ, đơn vị xử lý xong trước hạn ÷ phản ánh có kết quả trong kỳ"),
        ("fr_handled_on_time",),
        ("fr_handled",),
        drill="reports",
        unit_word="phản ánh",
    ),
    Indicator(
        "PA.4",
        "PAHT",
        _("Phản ánh quá hạn"),
        0,
        _("phản ánh có kết quả trong kỳ nhưng quá hạn + phản ánh còn mở cuối kỳ đã quá hạn"),
        ("fr_handled_late", "fr_open_overdue"),
        drill="reports",
        unit_word="phản ánh",
    ),
    Indicator(
        "PA.5",
        "PAHT",
        _("Người phản ánh hài lòng"),
        0,
        _("đánh giá hài lòng trong kỳ ÷ đánh giá trong kỳ"),
        ("fr_rated_satisfied",),
        ("fr_rated",),
        drill="reports",
        unit_word="phản ánh",
    ),
)
ALL = {indicator.code: indicator for indicator in INDICATORS + EXTRA}


@dataclass(slots=True)
class Value:
    """One indicator for one unit and period: what was counted and what it scores."""

    indicator: Indicator
    numerator: float | None = None
    denominator: float | None = None
    rate: float | None = None
    points: float | None = None

    @property
    def computable(self) -> bool:
        return self.indicator.source != "none"


def score(points: float, rate: float | None, full_at: float) -> float | None:
    """points × min(1, rate / full-at); no rate (nothing to count) scores full, as on the portal."""
    if rate is None:
        return float(points)
    return round(points * min(1.0, max(0.0, rate) / full_at), 2)


def _total(sums: dict[str, int], metrics: tuple[str, ...]) -> int:
    # Most indicators count one metric; a ranking evaluates ~900 indicators a page.
    if len(metrics) == 1:
        return sums.get(metrics[0], 0)
    return sum(sums.get(metric, 0) for metric in metrics)


def evaluate(indicator: Indicator, sums: dict[str, int], catalog: dict[str, tuple[int, int]]) -> Value:
    value = Value(indicator)
    if indicator.source == "none":
        return value
    if indicator.source == "catalog":
        value.numerator, value.denominator = catalog[indicator.code]
    elif indicator.source == "mixed":
        value.numerator = sum(
            map(str.startswith, sums, repeat(PAID_PROCEDURE))
        )  # counted in C: every ranked unit does it
        value.denominator = catalog[FEE_CATALOG][1]
    elif indicator.source == "composite":
        judged = sums.get("resolved", 0) + sums.get("open", 0)
        late = judged - sums.get("resolved_on_time", 0) - sums.get("open_on_time", 0)
        resolved, unhappy = sums.get("resolved", 0), sums.get("rated_unsatisfied", 0)
        if judged or resolved:
            overdue_rate = late / judged if judged else 0.0
            unhappy_rate = unhappy / resolved if resolved else 0.0
            value.rate = max(0.0, 1 - (overdue_rate + unhappy_rate))
            value.numerator, value.denominator = round(value.rate * 1000) / 1000, 1
    else:
        value.numerator = _total(sums, indicator.numerator)
        if indicator.denominator:
            value.denominator = _total(sums, indicator.denominator)
    if indicator.source != "composite" and value.denominator is not None:
        value.rate = (value.numerator or 0) / value.denominator if value.denominator else None
    if indicator.points:
        value.points = score(indicator.points, value.rate, indicator.full_at)
    return value


# ---- how one dossier counts ------------------------------------------------------------------------


SUPPLEMENT, PAYMENT = "supplement", "payment"


def _kind(pause: list) -> str:
    return pause[3] if len(pause) > 3 else SUPPLEMENT


def _moment(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _instant(value: str | datetime | None) -> datetime | None:
    return None if value is None else _moment(value)


def _pauses(fact: Any) -> list[tuple[datetime, datetime | None, Any, str]]:
    """The dossier's pauses: (requested at, answered at or None, office hours to add, kind)."""
    return [(_moment(item[0]), _instant(item[1]), item[2], _kind(item)) for item in fact.supplements]


def on_time_at(fact, judged_at: datetime) -> bool:
    """Indicator 2.1 for one dossier judged at `judged_at` (its end, or the end of a period it is open at).

    More than one supplement request counts late; office time waiting for a supplement or a payment moves
    the deadline; while the applicant is awaited the agency's clock stands at the request."""
    pauses = _pauses(fact)
    started = [pause for pause in pauses if pause[0] < judged_at]
    if sum(kind == SUPPLEMENT for *_rest, kind in started) > 1:
        return False
    if fact.deadline is None:
        return True
    deadline, effective = fact.deadline, judged_at
    for requested_at, answered_at, hours, _pause_kind in started:
        if answered_at is not None and answered_at <= judged_at:
            if hours:
                deadline = add_working_time(deadline, hours=hours)
        elif fact.accepted_at is not None and requested_at >= fact.accepted_at:
            effective = min(effective, requested_at)
    return effective <= deadline


_JUST_AFTER = timedelta(microseconds=1)


def open_judged_at(end: datetime, now: datetime | None) -> datetime:
    """When a record open at a period's end is judged: at that end (Decision 766), or while the period is
    still running just after now (the events of this instant included), so that a dossier not yet due is not
    counted overdue before its deadline."""
    return end if now is None or now >= end else min(end, now + _JUST_AFTER)


def counts_as_resolved(fact) -> bool:
    """Whether a dossier that ended counts among those resolved (indicator 2.1 and 6.3): one the applicant
    withdrew was not resolved by the agency, so it is neither on time nor late; it stops being open."""
    return fact.ended_at is not None and fact.status != Status.WITHDRAWN


def dossier_turns_late_at(fact, now: datetime) -> datetime | None:
    """The instant an open dossier on time at `now` turns late unless an event comes first: its deadline as
    moved by the pauses answered so far; None when none can come (late already, ended, or the clock standing
    while the applicant is awaited: their answer is an event)."""
    if fact.ended_at is not None or fact.accepted_at is None or fact.deadline is None:
        return None
    pauses = _pauses(fact)
    if sum(kind == SUPPLEMENT for *_rest, kind in pauses) > 1:
        return None
    deadline = fact.deadline
    for requested_at, answered_at, hours, _pause_kind in pauses:
        if answered_at is not None:
            if hours:
                deadline = add_working_time(deadline, hours=hours)
        elif requested_at >= fact.accepted_at:
            return None
    return deadline if deadline > now else None


def report_turns_late_at(fact, now: datetime) -> datetime | None:
    """The instant an open field report not yet due at `now` becomes overdue."""
    return fact.due_at if fact.closed_at is None and fact.due_at > now else None


@caching.memo("ioc.period_keys_of_month", maxsize=4096)
def _keys_of_month(year: int, month: int) -> tuple[str, ...]:
    """The keys of the month, quarter and year holding a local month (containing(), asked once per month)."""
    return tuple(period.key for period in containing(datetime(year, month, 1, tzinfo=local_zone())))


def _period_keys(instant: datetime) -> tuple[str, ...]:
    local = instant.astimezone(local_zone())
    return _keys_of_month(local.year, local.month)


def _open_periods(first: Period, last_month: Period) -> tuple[tuple[str, datetime], ...]:
    """through(first, last_month) as (key, end) pairs, worked out once per pair of months and zone."""
    return _open_periods_in(first, last_month, local_zone())


@caching.memo("ioc.open_periods", maxsize=4096)
def _open_periods_in(first: Period, last_month: Period, zone) -> tuple[tuple[str, datetime], ...]:
    return tuple((period.key, period.end) for period in through(first, last_month))


def _last_open_month(ended_at: datetime | None, horizon: Period) -> Period:
    """No period starting after a record ended can count it open: the walk stops at its last month."""
    return horizon if ended_at is None else min(horizon, of(ended_at))


def dossier_contributions(fact, horizon: Period | None, now: datetime | None = None) -> list[tuple[str, str]]:
    """(period, metric) pairs the dossier adds one to; open dossiers reach up to the horizon month, judged at
    the end of each period or at `now` in a period still running (open_judged_at)."""
    out: list[tuple[str, str]] = []

    def add(instant: datetime, *metrics: str) -> None:
        out.extend((key, metric) for key in _period_keys(instant) for metric in metrics)

    received = ["received"]
    if fact.channel == Channel.ONLINE:
        received.append("received_online")
    if fact.full_online:
        received.append("received_full")
        if fact.channel == Channel.ONLINE:
            received.append("received_full_online")
    add(fact.submitted_at, *received)
    if counts_as_resolved(fact):
        add(fact.ended_at, "resolved", *(["resolved_on_time"] if on_time_at(fact, fact.ended_at) else []))
    if fact.finished_at is not None:
        digitised = ["finished_digitised"] if fact.channel == Channel.ONLINE else []
        add(fact.finished_at, "finished", "finished_eresult", *digitised)
    if fact.rated_at is not None:
        satisfied = "rated_satisfied" if fact.rating >= Rating.SATISFIED else "rated_unsatisfied"
        add(fact.rated_at, "rated", satisfied)
    out.extend(_payment_contributions(fact))
    if fact.accepted_at is not None and horizon is not None:
        for key, end in _open_periods(of(fact.accepted_at), _last_open_month(fact.ended_at, horizon)):
            if fact.ended_at is None or fact.ended_at >= end:
                out.append((key, "open"))
                if on_time_at(fact, open_judged_at(end, now)):
                    out.append((key, "open_on_time"))
    return out


def _payment_contributions(fact: Any) -> list[tuple[str, str]]:
    """Indicator 4.3 and 4.2's pairs: the dossier owed a fee in the periods of its first order and of its
    first online payment (an order opened earlier and paid now counts), and was paid online in the latter."""
    owed = set(_period_keys(fact.fee_owed_at)) if fact.fee_owed_at is not None else set()
    if fact.paid_online_at is None:
        return [(key, FEE_OWED) for key in sorted(owed)]
    paid = _period_keys(fact.paid_online_at)
    procedure = PAID_PROCEDURE + fact.procedure_code
    return [(key, FEE_OWED) for key in sorted(owed | set(paid))] + [
        (key, metric) for key in paid for metric in (PAID_ONLINE, procedure)
    ]


def report_contributions(fact, horizon: Period | None, now: datetime | None = None) -> list[tuple[str, str]]:
    """(period, metric) pairs one field report adds one to; open reports judged as open dossiers are."""
    out: list[tuple[str, str]] = []

    def add(instant: datetime, *metrics: str) -> None:
        out.extend((key, metric) for key in _period_keys(instant) for metric in metrics)

    add(fact.submitted_at, "fr_received")
    if fact.published_at is not None:
        on_time = fact.resolved_at is not None and fact.resolved_at <= fact.due_at
        add(fact.published_at, "fr_handled", "fr_handled_on_time" if on_time else "fr_handled_late")
    if fact.rated_at is not None:
        add(fact.rated_at, "fr_rated", *(["fr_rated_satisfied"] if fact.satisfied else []))
    if horizon is not None:
        for key, end in _open_periods(of(fact.submitted_at), _last_open_month(fact.closed_at, horizon)):
            if fact.closed_at is None or fact.closed_at >= end:
                out.append((key, "fr_open"))
                if fact.due_at < open_judged_at(end, now):
                    out.append((key, "fr_open_overdue"))
    return out
