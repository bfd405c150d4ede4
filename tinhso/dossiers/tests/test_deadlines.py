"""Promised dates, acknowledgement and step clocks, across Tết 2026 (16–20 February) and a supplement pause.
Expected instants are worked out by hand in the comments, not with the functions under test."""

import re

import pytest

from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import Status
from tinhso.testing.dossiers import (
    AN_XUYEN,
    BIRTH,
    BIRTH_FORM,
    RESIDENCE,
    RESIDENCE_FORM,
    birth_papers,
    local,
)

pytestmark = pytest.mark.django_db


def _queue_row(client, official, code: str) -> str:
    """The text of the dossier's row on the official's queue page, cells joined by spaces."""
    client.force_login(official)
    html = client.get("/can-bo/ho-so/").content.decode()
    link = html.index(f">{code}</a>")
    row = html[html.rindex("<tr", 0, link) : html.index("</tr>", link)]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def residence(cast):
    dossier, _ = services.submit_dossier(
        actor=cast.an, procedure_code=RESIDENCE, form_data=RESIDENCE_FORM, receiving_unit_code=AN_XUYEN
    )
    return dossier


def test_an_online_dossier_must_be_acknowledged_within_eight_working_hours_across_tet(cast, clock):
    clock.set(2026, 2, 13, 15, 0)
    dossier = residence(cast)
    # Friday 13 Feb 15:00–17:00 is 2 h; Tết and the weekend are skipped; Monday 23 Feb gives 4 h in the
    # morning and 2 h from 13:30.
    assert dossier.acknowledge_due_at == local(2026, 2, 23, 15, 30)


def test_the_promised_date_skips_tet_and_moves_by_the_office_time_of_a_supplement_pause(cast, clock):
    clock.set(2026, 2, 10, 9, 0)
    dossier = residence(cast)
    dossier = services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    # Seven working days from Tuesday 10 Feb: 11, 12, 13, then 23, 24, 25, 26 February.
    assert dossier.promised_at == local(2026, 2, 26, 17, 0)
    dossier = services.forward(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 2, 12, 14, 0)
    dossier = services.request_supplement(
        actor=cast.commune_specialist,
        code=dossier.code,
        version=dossier.version,
        reason="Bổ sung hợp đồng thuê nhà",
    )
    assert dossier.status == Status.SUPPLEMENT
    clock.set(2026, 2, 23, 9, 30)
    dossier = services.answer_supplement(actor=cast.an, code=dossier.code, version=dossier.version)
    # Paused: 12 Feb 14:00–17:00 (3 h) + 13 Feb (7.5 h) + 23 Feb 07:30–09:30 (2 h) = 12.5 office hours.
    assert dossier.paused_total.total_seconds() == 12.5 * 3600
    # 26 Feb 17:00 + 12.5 h: Friday 27 Feb (7.5 h), Monday 2 Mar 07:30–11:30 (4 h), then 1 h from 13:30.
    assert dossier.promised_at == local(2026, 3, 2, 14, 30)
    assert dossier.original_promised_at == local(2026, 3, 2, 14, 30)
    assert dossier.status == Status.PROCESSING and dossier.paused_at is None


def test_a_same_day_procedure_is_due_tonight_before_the_cutoff_and_after_tet_past_it(cast, clock):
    for accepted_at, due in [
        ((2026, 2, 12, 10, 0), local(2026, 2, 12, 17, 0)),
        ((2026, 2, 13, 15, 30), local(2026, 2, 23, 17, 0)),
    ]:
        clock.set(*accepted_at)
        dossier, _ = services.submit_dossier(
            actor=cast.an,
            procedure_code=BIRTH,
            form_data=BIRTH_FORM,
            receiving_unit_code=AN_XUYEN,
            documents=birth_papers(),
        )
        dossier = services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
        assert dossier.promised_at == due


def test_each_step_gets_its_own_due_time_and_the_queue_flags_near_due_and_overdue(client, cast, clock):
    clock.set(2026, 3, 10, 8, 0)
    dossier = residence(cast)
    dossier = services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    dossier = services.forward(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    # The specialist's step is 6/10 of 7 days × 7.5 h = 31.5 office hours: from Tuesday 10 Mar 08:00,
    # 10 Mar gives 7 h, 11, 12, 13 Mar 22.5 h, Monday 16 Mar 07:30–09:30 the last 2 h.
    assert dossier.step_due_at == local(2026, 3, 16, 9, 30)
    clock.set(2026, 3, 13, 10, 0)  # 7 office hours left: not yet near due
    [item] = selectors.official_queue(actor=cast.commune_specialist)
    assert (item.due_at, item.near_due, item.overdue) == (dossier.step_due_at, False, False)
    clock.set(2026, 3, 16, 7, 45)  # 1 h 45 left
    [item] = selectors.official_queue(actor=cast.commune_specialist)
    assert (item.near_due, item.overdue) == (True, False)
    assert _queue_row(client, cast.commune_specialist, dossier.code).endswith("16/03/2026 09:30 Sắp đến hạn")
    clock.set(2026, 3, 16, 10, 0)
    [item] = selectors.official_queue(actor=cast.commune_specialist)
    assert (item.near_due, item.overdue) == (False, True)
    row = _queue_row(client, cast.commune_specialist, dossier.code)
    step = dossier.current_step.name
    assert row == f"{dossier.code} Đăng ký thường trú Đang xử lý · {step} 16/03/2026 09:30 Quá hạn"
    late = services.forward(actor=cast.commune_specialist, code=dossier.code, version=dossier.version)
    assert selectors.events_of(late).last().payload["on_time"] is False


def test_the_periodic_job_flags_an_overdue_step_once_and_names_who_to_notify(cast, clock):
    clock.set(2026, 3, 10, 8, 0)
    late = residence(cast)
    services.accept(actor=cast.commune_desk, code=late.code, version=late.version)
    waiting = residence(cast)
    clock.set(2026, 3, 10, 9, 0)  # the reception step (0.1 of 52.5 h = 5.25 h) of `late` is not yet due
    assert services.flag_overdue_dossiers() == 0
    clock.set(2026, 3, 11, 8, 0)  # 5.25 office hours from 08:00 on the 10th: 3.5 h to 11:30, 1.75 h to 15:15
    assert services.flag_overdue_dossiers() == 1
    # `waiting` had 8 office hours to be acknowledged: 7 on the 10th, then until 08:30 on the 11th.
    clock.set(2026, 3, 11, 8, 45)
    assert services.flag_overdue_dossiers() == 1
    assert services.flag_overdue_dossiers() == 0
    late.refresh_from_db()
    event = selectors.events_of(late).last()
    assert event.action == "dossier.overdue" and late.version == 2
    assert event.payload["due_at"] == "2026-03-10T08:15:00+00:00"  # 15:15 in Cà Mau
    assert event.payload["notify"] == [cast.commune_desk.pk]
    moved = services.forward(actor=cast.commune_desk, code=late.code, version=late.version)
    assert moved.overdue_flagged_at is None
    acknowledged = services.accept(actor=cast.commune_desk, code=waiting.code, version=waiting.version)
    assert acknowledged.overdue_flagged_at is None


def test_time_waiting_for_fees_is_not_counted(cast, clock):
    clock.set(2026, 3, 10, 8, 0)
    dossier = residence(cast)
    dossier = services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    promised = dossier.promised_at
    dossier = services.forward(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 11, 16, 0)
    dossier = services.request_payment(
        actor=cast.commune_specialist, code=dossier.code, version=dossier.version, amount=20000
    )
    assert dossier.status == Status.PAYMENT
    clock.set(2026, 3, 12, 8, 30)
    dossier = services.confirm_payment(
        actor=cast.commune_desk, code=dossier.code, version=dossier.version, receipt="BL 0045678"
    )
    # Paused 11 Mar 16:00–17:00 and 12 Mar 07:30–08:30: two office hours.
    assert dossier.status == Status.PROCESSING and dossier.paused_total.total_seconds() == 2 * 3600
    assert dossier.promised_at == local(2026, 3, 20, 9, 30) and promised == local(2026, 3, 19, 17, 0)
