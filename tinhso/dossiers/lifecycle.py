"""The one-stop lifecycle of a dossier (Decree 61/2018, Decree 107/2021, Circular 03/2025/TT-VPCP), declared
once. Services enforce it, `selectors.offered_actions` reads it for pages and the API, the lifecycle tests and
the data generator import it, and `docs/lifecycles.md` is generated from it."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import RESUMED, UNCHANGED, Lifecycle, Party, Transition
from tinhso.dossiers import events
from tinhso.dossiers.models import Status

APPLICANT = Party(
    "applicant", _("người nộp hồ sơ"), _("Chỉ người nộp hồ sơ được thực hiện việc này."), "not_applicant"
)
RECEPTIONIST = Party(
    "receptionist",
    _("cán bộ một cửa của nơi tiếp nhận"),
    _("Chỉ cán bộ một cửa của nơi tiếp nhận được thực hiện việc này."),
    "not_receptionist",
)
STEP_HANDLER = Party(
    "step_handler",
    _("người giữ vai trò của bước xử lý hiện tại tại đơn vị của bước"),
    _("Hồ sơ không ở bước xử lý của anh/chị."),
    "not_at_your_step",
)
AUTHORITY_LEADER = Party(
    "authority_leader",
    _("lãnh đạo cơ quan có thẩm quyền giải quyết"),
    _("Chỉ lãnh đạo cơ quan giải quyết được thực hiện việc này."),
    "not_authority_leader",
)
PAYMENT_GATEWAY = Party(
    "payment_gateway",
    _("cổng thanh toán, qua thông báo kết quả đã xác thực chữ ký"),
    _("Chỉ thông báo đã xác thực của cổng thanh toán được ghi nhận việc này."),
    "not_payment_gateway",
)
CONSULTED_UNIT = Party(
    "consulted_unit",
    _("chuyên viên hoặc lãnh đạo của cơ quan được xin ý kiến"),
    _("Chỉ cơ quan được xin ý kiến mới trả lời."),
    "not_consulted_unit",
)

# The printable forms of Circular 03/2025/TT-VPCP: the page's URL name, its number and title.
FORMS = {
    "giay-tiep-nhan": (1, _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")),
    "phieu-yeu-cau-bo-sung": (2, _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")),
    "phieu-tu-choi": (3, _("Phiếu từ chối tiếp nhận hồ sơ")),
    "van-ban-xin-loi": (4, _("Văn bản xin lỗi và hẹn lại ngày trả kết quả")),
    "thong-bao-dung": (5, _("Thông báo dừng giải quyết hồ sơ")),
    "phieu-kiem-soat": (6, _("Phiếu kiểm soát quá trình giải quyết hồ sơ")),
}

BEFORE_RESULT = (Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT)
HANDLING = (Status.ACCEPTED, Status.PROCESSING)

LIFECYCLE = Lifecycle(
    name="dossier",
    title=_("Hồ sơ thủ tục hành chính"),
    subject=_("hồ sơ này"),
    states=Status,
    transitions=(
        Transition(
            "accept",
            (Status.NEW,),
            Status.ACCEPTED,
            (RECEPTIONIST,),
            events.ACCEPTED,
            title=_("Tiếp nhận hồ sơ"),
            doing=_("tiếp nhận"),
            documents=("giay-tiep-nhan", "phieu-kiem-soat"),
            expected=True,
        ),
        Transition(
            "answer_supplement",
            (Status.SUPPLEMENT,),
            RESUMED,
            (APPLICANT,),
            events.SUPPLEMENT_ANSWERED,
            title=_("Đã bổ sung hồ sơ"),
            doing=_("bổ sung hồ sơ"),
            expected=True,
        ),
        Transition(
            "confirm_payment",
            (Status.PAYMENT,),
            RESUMED,
            (PAYMENT_GATEWAY, RECEPTIONIST, STEP_HANDLER),
            events.PAYMENT_CONFIRMED,
            title=_("Xác nhận đã nộp"),
            doing=_("xác nhận đã nộp"),
            expected=True,
        ),
        Transition(
            "answer_consultation",
            (Status.PROCESSING,),
            UNCHANGED,
            (CONSULTED_UNIT,),
            events.CONSULTATION_ANSWERED,
            title=_("Trả lời xin ý kiến"),
            doing=_("trả lời xin ý kiến"),
            expected=True,
        ),
        Transition(
            "forward",
            HANDLING,
            Status.PROCESSING,
            (STEP_HANDLER,),
            events.FORWARDED,
            title=_("Chuyển bước tiếp theo"),
            doing=_("chuyển bước xử lý"),
            expected=True,
        ),
        Transition(
            "finish",
            HANDLING,
            Status.FINISHED,
            (STEP_HANDLER,),
            events.FINISHED,
            title=_("Ghi kết quả giải quyết"),
            doing=_("ghi kết quả"),
            expected=True,
        ),
        Transition(
            "return_result",
            (Status.FINISHED,),
            Status.RETURNED,
            (RECEPTIONIST,),
            events.RETURNED,
            title=_("Đã trả kết quả"),
            doing=_("trả kết quả"),
            expected=True,
        ),
        Transition(
            "rate",
            (Status.RETURNED,),
            UNCHANGED,
            (APPLICANT,),
            events.RATED,
            title=_("Đánh giá sự hài lòng"),
            doing=_("đánh giá"),
            expected=True,
        ),
        Transition(
            "request_supplement",
            (Status.NEW,),
            Status.SUPPLEMENT,
            (RECEPTIONIST,),
            events.SUPPLEMENT_REQUESTED,
            title=_("Yêu cầu bổ sung"),
            doing=_("yêu cầu bổ sung"),
            documents=("phieu-yeu-cau-bo-sung",),
        ),
        Transition(
            "request_supplement",
            HANDLING,
            Status.SUPPLEMENT,
            (STEP_HANDLER,),
            events.SUPPLEMENT_REQUESTED,
            title=_("Yêu cầu bổ sung"),
            doing=_("yêu cầu bổ sung"),
            documents=("phieu-yeu-cau-bo-sung",),
        ),
        Transition(
            "attach_documents",
            (Status.NEW, Status.SUPPLEMENT),
            UNCHANGED,
            (APPLICANT,),
            events.DOCUMENTS_ATTACHED,
            title=_("Đính kèm giấy tờ"),
            doing=_("đính kèm giấy tờ"),
        ),
        Transition(
            "request_payment",
            HANDLING,
            Status.PAYMENT,
            (STEP_HANDLER,),
            events.PAYMENT_REQUESTED,
            title=_("Yêu cầu thực hiện nghĩa vụ tài chính"),
            doing=_("yêu cầu thực hiện nghĩa vụ tài chính"),
        ),
        Transition(
            "consult",
            (Status.PROCESSING,),
            UNCHANGED,
            (STEP_HANDLER,),
            events.CONSULTED,
            title=_("Lấy ý kiến cơ quan khác"),
            doing=_("lấy ý kiến cơ quan khác"),
        ),
        Transition(
            "apologize",
            HANDLING,
            UNCHANGED,
            (AUTHORITY_LEADER, STEP_HANDLER),
            events.APOLOGIZED,
            title=_("Xin lỗi, hẹn lại ngày trả"),
            doing=_("xin lỗi, hẹn lại ngày trả"),
            documents=("van-ban-xin-loi",),
        ),
        Transition(
            "send_back",
            (Status.PROCESSING,),
            Status.PROCESSING,
            (STEP_HANDLER,),
            events.SENT_BACK,
            title=_("Chuyển lại bước trước"),
            doing=_("chuyển lại bước trước"),
        ),
        Transition(
            "refuse",
            (Status.NEW,),
            Status.REFUSED,
            (RECEPTIONIST,),
            events.REFUSED,
            title=_("Từ chối tiếp nhận"),
            doing=_("từ chối tiếp nhận"),
            documents=("phieu-tu-choi",),
            destructive=True,
        ),
        Transition(
            "stop",
            (*HANDLING, Status.SUPPLEMENT, Status.PAYMENT),
            Status.STOPPED,
            (AUTHORITY_LEADER, STEP_HANDLER),
            events.STOPPED,
            title=_("Dừng xử lý"),
            doing=_("dừng xử lý"),
            documents=("thong-bao-dung",),
            destructive=True,
        ),
        Transition(
            "withdraw",
            BEFORE_RESULT,
            Status.WITHDRAWN,
            (APPLICANT,),
            events.WITHDRAWN,
            title=_("Rút hồ sơ"),
            doing=_("rút hồ sơ"),
            destructive=True,
        ),
    ),
    notes=(
        "Accepting starts the legal clock and puts the dossier at the first step of the procedure's process; "
        "the control sheet (form 06) is printable from then on.",
        "`forward` is refused at the last handling step (record the result instead), `finish` before it; "
        "neither, nor `consult`, while another agency's opinion is awaited.",
        "`resumed`: the dossier returns to the status it was paused from; every deadline moves by the "
        "office time paused.",
        "The overdue job flags a step past its deadline without changing the status or the version.",
    ),
)
