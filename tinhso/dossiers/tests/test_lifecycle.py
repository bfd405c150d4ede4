"""Every lifecycle transition: allowed from exactly the listed states, refused from all others."""

import pytest

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.lifecycle import RESUMED, UNCHANGED
from tinhso.dossiers import selectors, services
from tinhso.dossiers.lifecycle import LIFECYCLE
from tinhso.dossiers.models import Dossier, Rating, Status
from tinhso.testing.dossier_flow import STATES, STATUS_OF, act, entitled, in_state, pdf

pytestmark = pytest.mark.django_db

# Beyond the declared table (dossiers.lifecycle), the procedure's steps and a pending consultation decide:
# forwarding stops at the last handling step, where the result is recorded; and none of these states awaits
# an answer to a consultation (see the consultation test).
NOT_FROM = {
    "forward": {"at_last_step"},
    "finish": {"accepted", "processing"},
    "answer_consultation": set(STATES),
}
ALLOWED = {
    action: {state for state in STATES if STATUS_OF[state] in LIFECYCLE.sources(action)}
    - NOT_FROM.get(action, set())
    for action in LIFECYCLE.actions
}


def expected_status(dossier: Dossier, action: str) -> int | None:
    target = LIFECYCLE.check(action, dossier.status).target
    return {UNCHANGED: dossier.status, RESUMED: dossier.paused_status}.get(target, target)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_each_action_is_allowed_exactly_from_its_states(cast, action, state):
    dossier = in_state(cast, state)
    events_before = selectors.events_of(dossier).count()
    if state in ALLOWED[action]:
        changed = act(cast, dossier, action)
        assert changed.version == dossier.version + 1
        assert changed.status == expected_status(dossier, action)
        assert selectors.events_of(dossier).count() == events_before + 1
        assert (
            selectors.events_of(dossier).last().action == LIFECYCLE.transition(action, dossier.status).event
        )
    else:
        with pytest.raises(Conflict) as refused:
            act(cast, dossier, action)
        assert refused.value.code == "transition_not_allowed"
        assert refused.value.extra["current"]["status"] == dossier.status
        stored = Dossier.objects.get(pk=dossier.pk)
        assert (stored.status, stored.version) == (dossier.status, dossier.version)
        assert selectors.events_of(dossier).count() == events_before


@pytest.mark.parametrize("state", STATES)
def test_the_actions_offered_are_those_the_services_accept(cast, state):
    dossier = in_state(cast, state)
    for action in LIFECYCLE.actions:
        offered = selectors.offered_actions(actor=entitled(cast, dossier, action), dossier=dossier)
        assert (action in {row.action for row in offered}) == (state in ALLOWED[action]), action


def test_the_expected_action_comes_first_and_destructive_ones_last(cast):
    new = in_state(cast, "new")
    assert [row.action for row in selectors.offered_actions(actor=cast.desk, dossier=new)] == [
        "accept",
        "request_supplement",
        "refuse",
    ]
    at_last_step = in_state(cast, "at_last_step")
    offered = [row.action for row in selectors.offered_actions(actor=cast.leader, dossier=at_last_step)]
    assert offered[0] == "finish" and offered[-1] == "stop" and "forward" not in offered
    # A specialist at the reception step is offered nothing: it is not their step.
    assert selectors.offered_actions(actor=cast.specialist, dossier=in_state(cast, "accepted")) == []


def test_a_dossier_travels_the_whole_process_and_the_citizen_rates_it(cast, clock):
    clock.set(2026, 3, 10, 8, 0)
    dossier = in_state(cast, "new")
    assert dossier.status == Status.NEW and dossier.acknowledge_due_at is not None
    dossier = services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)
    assert (dossier.current_step.order, dossier.current_unit.code) == (1, "000.00.01.H12")
    # Ten working days from Tuesday 10 March: the 24th, at the close of office.
    assert dossier.promised_at.isoformat() == "2026-03-24T17:00:00+07:00"
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    assert (dossier.status, dossier.current_step.order, dossier.current_unit.code) == (4, 2, "000.00.15.H12")
    dossier = services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version)
    dossier = services.finish(
        actor=cast.leader, code=dossier.code, version=dossier.version, result_file=pdf()
    )
    assert dossier.status == Status.FINISHED and dossier.result_file.read().startswith(b"%PDF-")
    assert (dossier.current_step.order, dossier.current_unit.code) == (4, "000.00.01.H12")
    dossier = services.return_result(actor=cast.desk, code=dossier.code, version=dossier.version)
    dossier = services.rate(
        actor=cast.an, code=dossier.code, version=dossier.version, rating=Rating.VERY_SATISFIED
    )
    assert (dossier.status, dossier.rating, dossier.version) == (Status.RETURNED, 3, 7)
    actions = [event.action for event in selectors.events_of(dossier)]
    assert actions == [
        "dossier.submitted",
        "dossier.accepted",
        "dossier.forwarded",
        "dossier.forwarded",
        "dossier.finished",
        "dossier.returned",
        "dossier.rated",
    ]


def test_forwarding_past_the_last_handling_step_needs_a_result(cast):
    dossier = in_state(cast, "at_last_step")
    with pytest.raises(Conflict, match="ghi kết quả"):
        services.forward(actor=cast.leader, code=dossier.code, version=dossier.version)
    processing = in_state(cast, "processing")
    with pytest.raises(Conflict, match="bước xử lý cuối"):
        services.finish(
            actor=cast.specialist, code=processing.code, version=processing.version, result_file=pdf()
        )


def test_a_result_must_be_a_pdf(cast):
    dossier = in_state(cast, "at_last_step")
    with pytest.raises(InvalidInput) as refused:
        services.finish(actor=cast.leader, code=dossier.code, version=dossier.version, result_file=None)
    assert "result_file" in refused.value.errors
    from django.core.files.base import ContentFile

    with pytest.raises(InvalidInput, match="PDF"):
        services.finish(
            actor=cast.leader,
            code=dossier.code,
            version=dossier.version,
            result_file=ContentFile(b"MZ", name="x.pdf"),
        )


def test_sending_back_returns_to_the_previous_step_with_a_reason(cast):
    dossier = in_state(cast, "at_last_step")
    with pytest.raises(InvalidInput):
        services.send_back(actor=cast.leader, code=dossier.code, version=dossier.version, reason=" ")
    with pytest.raises(InvalidInput):
        services.send_back(
            actor=cast.leader, code=dossier.code, version=dossier.version, reason="Sai", to_step=3
        )
    back = services.send_back(
        actor=cast.leader, code=dossier.code, version=dossier.version, reason="Kiểm tra lại"
    )
    assert (back.current_step.order, back.current_unit.code) == (2, "000.00.15.H12")


def test_an_apology_moves_the_date_but_the_dossier_still_counts_as_late(cast, clock):
    dossier = in_state(cast, "at_last_step")
    first_promise = dossier.promised_at
    with pytest.raises(InvalidInput):
        services.apologize(
            actor=cast.leader,
            code=dossier.code,
            version=dossier.version,
            new_promised_at=first_promise,
            reason="x",
        )
    later = first_promise.replace(day=first_promise.day + 3)
    dossier = services.apologize(
        actor=cast.leader,
        code=dossier.code,
        version=dossier.version,
        new_promised_at=later,
        reason="Chờ xác minh",
    )
    assert dossier.promised_at == later and dossier.original_promised_at == first_promise
    clock.now = first_promise.replace(day=first_promise.day + 1)
    dossier = services.finish(
        actor=cast.leader, code=dossier.code, version=dossier.version, result_file=pdf()
    )
    assert dossier.is_late


def test_only_the_applicant_withdraws_or_rates_and_only_once(cast):
    dossier = in_state(cast, "processing")
    with pytest.raises(Forbidden):
        services.withdraw(actor=cast.specialist, code=dossier.code, version=dossier.version)
    returned = in_state(cast, "returned")
    rated = services.rate(actor=cast.an, code=returned.code, version=returned.version, rating=2)
    with pytest.raises(Conflict) as again:
        services.rate(actor=cast.an, code=rated.code, version=rated.version, rating=3)
    assert again.value.code == "already_rated"
    with pytest.raises(InvalidInput):
        services.rate(actor=cast.an, code=in_state(cast, "returned").code, version=6, rating=7)


def test_a_stale_version_is_refused_with_the_current_state(cast):
    dossier = in_state(cast, "accepted")
    services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    with pytest.raises(Conflict) as stale:
        services.request_supplement(
            actor=cast.desk, code=dossier.code, version=dossier.version, reason="Bổ sung"
        )
    assert stale.value.code == "stale_version"
    assert stale.value.extra["current"] == {
        "code": dossier.code,
        "status": 4,
        "status_label": "Đang xử lý",
        "version": dossier.version + 1,
        "current_step": 2,
        "current_unit": "000.00.15.H12",
    }


def test_a_handler_consults_another_agency_and_waits_for_its_answer(cast):
    from tinhso.core.models import Role
    from tinhso.testing.factories import CONSTRUCTION, official

    builder = official("chuyenvien.xaydung", (Role.SPECIALIST, CONSTRUCTION))
    dossier = in_state(cast, "processing")
    with pytest.raises(InvalidInput):
        services.consult(
            actor=cast.specialist, code=dossier.code, version=dossier.version, unit_code="96", question="?"
        )
    dossier = services.consult(
        actor=cast.specialist,
        code=dossier.code,
        version=dossier.version,
        unit_code=CONSTRUCTION,
        question="Công trình tại thửa đất có vi phạm trật tự xây dựng không?",
    )
    assert dossier.consulted_unit.code == CONSTRUCTION
    with pytest.raises(Conflict) as waiting:
        services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version)
    assert waiting.value.code == "awaiting_consultation"
    [item] = selectors.official_queue(actor=builder)
    assert item.dossier == dossier and item.due_at == dossier.consult_due_at
    assert selectors.dossier_for(actor=builder, code=dossier.code) == dossier
    with pytest.raises(Forbidden):
        services.answer_consultation(
            actor=cast.specialist, code=dossier.code, version=dossier.version, answer="Có"
        )
    dossier = services.answer_consultation(
        actor=builder, code=dossier.code, version=dossier.version, answer="Không có vi phạm."
    )
    assert dossier.consulted_unit is None
    assert selectors.events_of(dossier).last().payload["on_time"] is True
    assert selectors.official_queue(actor=builder) == []
    assert (
        services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version).current_step.order
        == 3
    )


def test_a_refused_transition_reads_in_the_interface_language(cast, client):
    from django.conf import settings
    from django.utils import translation

    dossier = in_state(cast, "returned")
    with pytest.raises(Conflict) as refused:
        services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)
    with translation.override("en"):
        assert refused.value.message.startswith("This dossier is “")
        assert refused.value.message.endswith("”: cannot accept it.")
    with translation.override("vi"):
        assert "không thể tiếp nhận" in refused.value.message
    client.force_login(cast.specialist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(f"/ho-so/{dossier.code}/accept/", {"version": dossier.version}, follow=True)
    assert "cannot accept it" in page.content.decode()
