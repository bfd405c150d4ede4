"""The applicant hears of each decision on their dossier through the notifications read from the event log."""

import pytest

from tinhso.notifications import selectors as inbox
from tinhso.notifications import services as notifications
from tinhso.testing.dossier_flow import in_state

pytestmark = pytest.mark.django_db


def test_the_applicant_is_told_of_acceptance_and_of_a_supplement_request_and_nobody_else_is(cast):
    dossier = in_state(cast, "supplement")
    notifications.deliver_notifications()
    titles = list(inbox.inbox(cast.an).values_list("title", flat=True))
    assert sorted(titles) == sorted(
        [
            f"Hồ sơ {dossier.code} cần bổ sung giấy tờ.",
            f"Hồ sơ {dossier.code} đã được tiếp nhận.",
        ]
    )
    assert inbox.inbox(cast.an).first().link == f"/ho-so/{dossier.code}/"
    assert not inbox.inbox(cast.ngoc).exists() and not inbox.inbox(cast.specialist).exists()
