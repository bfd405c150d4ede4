"""The lifecycles of a dataset (draft → review → published → withdrawn) and of an access request to shared
data, declared once. Services enforce them, selectors offer their actions, `docs/lifecycles.md` is generated."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import Lifecycle, Party, Transition
from tinhso.opendata import events
from tinhso.opendata.models import AccessRequest, State

EDITOR = Party(
    "editor",
    _("cán bộ dữ liệu của cơ quan công bố"),
    _("Chỉ cán bộ dữ liệu của cơ quan công bố được làm việc này."),
    "not_an_editor",
)
REVIEWER = Party(
    "reviewer",
    _("lãnh đạo cơ quan công bố hoặc quản trị dữ liệu của tỉnh"),
    _("Chỉ người duyệt dữ liệu được làm việc này."),
    "not_a_reviewer",
)
OWNER = Party(
    "owner",
    _("lãnh đạo cơ quan chủ quản cơ sở dữ liệu"),
    _("Chỉ cơ quan chủ quản cơ sở dữ liệu được làm việc này."),
    "not_the_owner",
)

LIFECYCLE = Lifecycle(
    name="dataset",
    title=_("Bộ dữ liệu trong danh mục dữ liệu mở"),
    subject=_("bộ dữ liệu"),
    states=State,
    transitions=(
        Transition("submit", (State.DRAFT,), State.REVIEW, (EDITOR, REVIEWER), events.DATASET_SUBMITTED,
                   title=_("Gửi duyệt"), doing=_("gửi duyệt"), expected=True),
        Transition("publish", (State.REVIEW,), State.PUBLISHED, (REVIEWER,), events.DATASET_PUBLISHED,
                   title=_("Công bố"), doing=_("công bố"), expected=True),
        Transition("return", (State.REVIEW,), State.DRAFT, (REVIEWER,), events.DATASET_RETURNED,
                   title=_("Trả lại"), doing=_("trả lại"), destructive=True),
        Transition("withdraw", (State.PUBLISHED,), State.WITHDRAWN, (REVIEWER,), events.DATASET_WITHDRAWN,
                   title=_("Rút công bố"), doing=_("rút công bố"), destructive=True),
        Transition("reopen", (State.WITHDRAWN,), State.DRAFT, (EDITOR, REVIEWER), events.DATASET_REOPENED,
                   title=_("Mở lại để sửa"), doing=_("mở lại")),
    ),
    notes=(
        "An open dataset is published only when the personal-data scan of its columns and values finds nothing, "
        "or a reviewer recorded an exemption with its reason.",
        "Publishing needs a licence, a publisher, an update frequency and a theme.",
    ),
)  # fmt: skip
NEEDS_REASON = {"return", "withdraw"}

ACCESS_LIFECYCLE = Lifecycle(
    name="access_request",
    title=_("Yêu cầu khai thác dữ liệu dùng chung"),
    subject=_("yêu cầu khai thác"),
    states=AccessRequest.State,
    transitions=(
        Transition("approve", (AccessRequest.State.PENDING,), AccessRequest.State.APPROVED, (OWNER,),
                   events.ACCESS_APPROVED, title=_("Chấp thuận"), doing=_("chấp thuận"), expected=True),
        Transition("refuse", (AccessRequest.State.PENDING,), AccessRequest.State.REFUSED, (OWNER,),
                   events.ACCESS_REFUSED, title=_("Từ chối"), doing=_("từ chối"), destructive=True),
        Transition("revoke", (AccessRequest.State.APPROVED,), AccessRequest.State.REVOKED, (OWNER,),
                   events.ACCESS_REVOKED, title=_("Thu hồi"), doing=_("thu hồi"), destructive=True),
    ),
    notes=("The owner answers within 2 working days; a refusal or a revocation states its reason.",),
)  # fmt: skip
ACCESS_NEEDS_REASON = {"refuse", "revoke"}
