"""The lifecycle of a field report (Decision 960/QĐ-UBND on handling citizens' field reports), declared once.
Services enforce it, `selectors.offered_actions` reads it for the staff page and the API, tests import it and
`docs/lifecycles.md` is generated from it."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import UNCHANGED, Lifecycle, Party, Transition
from tinhso.fieldreports import events
from tinhso.fieldreports.models import Report

Status = Report.Status

COORDINATOR = Party(
    "coordinator",
    _("trung tâm điều phối của tỉnh (cán bộ một cửa, chuyên viên hoặc lãnh đạo cấp tỉnh)"),
    _("Chỉ trung tâm điều phối của tỉnh được làm việc này."),
    "coordinator_required",
)
HANDLER = Party(
    "handler",
    _("chuyên viên hoặc lãnh đạo của đơn vị xử lý"),
    _("Phản ánh không thuộc đơn vị của bạn."),
    "not_responsible_unit",
)
REPORTER = Party(
    "reporter",
    _("người gửi phản ánh (đã đăng nhập, hoặc cho biết số điện thoại, thư điện tử đã để lại)"),
    _("Chỉ người gửi phản ánh được làm việc này."),
    "not_reporter",
)

WAITING_ON_UNIT = (Status.ROUTED, Status.ACKNOWLEDGED, Status.REOPENED)
CLOSED = (Status.PUBLISHED, Status.REJECTED, Status.MERGED)

LIFECYCLE = Lifecycle(
    name="fieldreport",
    title=_("Phản ánh hiện trường"),
    subject=_("phản ánh này"),
    states=Status,
    transitions=(
        Transition(
            "acknowledge",
            (Status.ROUTED, Status.REOPENED),
            Status.ACKNOWLEDGED,
            (HANDLER,),
            events.ACKNOWLEDGED,
            title=_("Nhận xử lý"),
            doing=_("nhận xử lý"),
            expected=True,
        ),
        Transition(
            "post_result",
            (Status.ACKNOWLEDGED,),
            Status.RESOLVED,
            (HANDLER,),
            events.RESOLVED,
            title=_("Báo cáo kết quả"),
            doing=_("báo cáo kết quả"),
            expected=True,
        ),
        Transition(
            "approve_result",
            (Status.RESOLVED,),
            Status.PUBLISHED,
            (COORDINATOR,),
            events.PUBLISHED,
            title=_("Duyệt và công khai kết quả"),
            doing=_("duyệt kết quả"),
            expected=True,
        ),
        Transition(
            "send_back_result",
            (Status.RESOLVED,),
            Status.ACKNOWLEDGED,
            (COORDINATOR,),
            events.RESULT_SENT_BACK,
            title=_("Trả lại đơn vị xử lý tiếp"),
            doing=_("trả lại kết quả"),
        ),
        Transition(
            "reroute",
            WAITING_ON_UNIT,
            Status.ROUTED,
            (COORDINATOR,),
            events.REROUTED,
            title=_("Chuyển đơn vị"),
            doing=_("chuyển đơn vị xử lý"),
        ),
        Transition(
            "change_category",
            WAITING_ON_UNIT,
            Status.ROUTED,
            (COORDINATOR,),
            events.CATEGORY_CHANGED,
            title=_("Đổi lĩnh vực"),
            doing=_("đổi lĩnh vực"),
        ),
        Transition(
            "split",
            WAITING_ON_UNIT,
            UNCHANGED,
            (COORDINATOR,),
            events.SPLIT,
            title=_("Tách phản ánh"),
            doing=_("tách phản ánh"),
        ),
        Transition(
            "merge",
            WAITING_ON_UNIT,
            Status.MERGED,
            (COORDINATOR,),
            events.MERGED,
            title=_("Gộp vào phản ánh khác"),
            doing=_("gộp phản ánh"),
            destructive=True,
        ),
        Transition(
            "reject",
            WAITING_ON_UNIT,
            Status.REJECTED,
            (COORDINATOR,),
            events.REJECTED,
            title=_("Không tiếp nhận"),
            doing=_("không tiếp nhận"),
            destructive=True,
        ),
        Transition(
            "rate",
            (Status.PUBLISHED,),
            UNCHANGED,
            (REPORTER,),
            events.RATED,
            title=_("Đánh giá kết quả"),
            doing=_("đánh giá kết quả"),
            expected=True,
        ),
        Transition(
            "remove_personal_data",
            CLOSED,
            UNCHANGED,
            (REPORTER,),
            events.PERSONAL_DATA_REMOVED,
            title=_("Xóa thông tin cá nhân"),
            doing=_("xóa thông tin cá nhân"),
            destructive=True,
        ),
    ),
    notes=(
        "Filing routes the report by the routing rules (`routed`); a report merged into another must be open "
        "or published.",
        "The first unsatisfied rating reopens the report at its unit with a new deadline (`reopened` event); "
        "later ratings are only recorded.",
        "The overdue job flags a report past its deadline and escalates it to its unit's leaders without "
        "changing the status or the version.",
    ),
)
