"""The lifecycles of a partner's connection, of a grant request and of a grant, declared once; the services enforce them and
`docs/lifecycles.md` is generated from them."""

from django.utils.translation import gettext_lazy as _

from tinhso.core.lifecycle import Lifecycle, Party, Transition
from tinhso.integration import events
from tinhso.integration.models import Grant, GrantRequest, Partner

ADMINISTRATOR = Party(
    "administrator",
    _("quản trị hệ thống"),
    _("Chỉ quản trị hệ thống được quản lý kết nối của đối tác."),
    "administrator_required",
)

PartnerState = Partner.State

PARTNER = Lifecycle(
    name="partner",
    title=_("Kết nối của hệ thống đối tác"),
    subject=_("kết nối của đối tác này"),
    states=PartnerState,
    transitions=(
        Transition(
            action="suspend",
            sources=(PartnerState.ACTIVE,),
            target=PartnerState.SUSPENDED,
            parties=(ADMINISTRATOR,),
            event=events.PARTNER_SUSPENDED,
            title=_("Tạm dừng kết nối"),
            doing=_("tạm dừng kết nối"),
            destructive=True,
        ),
        Transition(
            action="resume",
            sources=(PartnerState.SUSPENDED,),
            target=PartnerState.ACTIVE,
            parties=(ADMINISTRATOR,),
            event=events.PARTNER_RESUMED,
            title=_("Mở lại kết nối"),
            doing=_("mở lại kết nối"),
            expected=True,
        ),
        Transition(
            action="retire",
            sources=(PartnerState.ACTIVE, PartnerState.SUSPENDED),
            target=PartnerState.RETIRED,
            parties=(ADMINISTRATOR,),
            event=events.PARTNER_RETIRED,
            title=_("Ngừng kết nối hẳn"),
            doing=_("ngừng kết nối"),
            destructive=True,
        ),
    ),
)

GrantStatus = Grant.Status

GRANT = Lifecycle(
    name="grant",
    title=_("Quyền khai thác dịch vụ của đối tác"),
    subject=_("quyền khai thác này"),
    states=GrantStatus,
    transitions=(
        Transition(
            action="revoke",
            sources=(GrantStatus.ACTIVE,),
            target=GrantStatus.REVOKED,
            parties=(ADMINISTRATOR,),
            event=events.GRANT_REVOKED,
            title=_("Thu hồi quyền"),
            doing=_("thu hồi quyền"),
            destructive=True,
        ),
    ),
)

RequestState = GrantRequest.State

GRANT_REQUEST = Lifecycle(
    name="grant_request",
    title=_("Yêu cầu cấp quyền khai thác dịch vụ"),
    subject=_("yêu cầu cấp quyền này"),
    states=RequestState,
    transitions=(
        Transition(
            action="approve",
            sources=(RequestState.PENDING,),
            target=RequestState.APPROVED,
            parties=(ADMINISTRATOR,),
            event=events.GRANT_REQUEST_APPROVED,
            title=_("Chấp thuận"),
            doing=_("chấp thuận yêu cầu"),
            expected=True,
        ),
        Transition(
            action="refuse",
            sources=(RequestState.PENDING,),
            target=RequestState.REFUSED,
            parties=(ADMINISTRATOR,),
            event=events.GRANT_REQUEST_REFUSED,
            title=_("Từ chối"),
            doing=_("từ chối yêu cầu"),
            destructive=True,
        ),
    ),
)
