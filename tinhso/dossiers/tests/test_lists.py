"""Lists that grow with the years come a page at a time: a citizen's dossiers and an official's queue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.core.display import url_of
from tinhso.core.models import Role
from tinhso.dossiers import selectors, services
from tinhso.testing.dossier_flow import in_state, submitted
from tinhso.testing.factories import CENTRE, CONSTRUCTION, JUSTICE, bearer, official
from tinhso.testing.payments import ipn, started_order

pytestmark = pytest.mark.django_db


def _lodged(cast, clock, days: list[int]) -> list:
    """New judicial record dossiers lodged at 9:00 on the given March 2026 days (their desk clocks differ)."""
    dossiers = []
    for day in days:
        clock.set(2026, 3, day, 9)
        dossiers.append(submitted(cast))
    return dossiers


def test_the_queue_puts_the_soonest_due_first_and_pages_cover_it_once(cast, clock):
    lodged = _lodged(cast, clock, [12, 10, 11, 10, 13])
    soonest_first = sorted(lodged, key=lambda dossier: (dossier.acknowledge_due_at, dossier.pk))
    clock.set(2026, 3, 11, 17)  # the desk had eight office hours: the two of 10 March are overdue
    items = selectors.official_queue(actor=cast.desk)
    assert [item.dossier for item in items] == soonest_first
    assert [item.overdue for item in items] == [True, True, False, False, False]
    seen, cursor = [], ""
    for _ in range(3):
        page = selectors.official_queue_page(actor=cast.desk, cursor=cursor, size=2)
        seen += [item.code for item in page.items]
        assert page.total == 5
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [dossier.code for dossier in soonest_first] and cursor is None


def test_the_first_page_read_by_its_kept_statement_is_the_orms_with_its_procedures(cast, clock):
    _lodged(cast, clock, [12, 10, 11])
    clock.set(2026, 3, 11, 17)
    for size in (2, 50):
        first = selectors.official_queue_page(actor=cast.desk, size=size)
        assert first == selectors._queue_page(cast.desk, "", size, selectors._read_listed)
        assert [row.overdue for row in first.items][:2] == [True, False] and first.total == 3
    # The whole queue is on the page: the filter's procedures come from its rows, as from their own statement.
    assert first.next_cursor is None
    procedures = selectors.queue_procedures(actor=cast.desk, whole_queue=first.items)
    assert procedures == selectors.queue_procedures(actor=cast.desk) != []


def test_the_first_page_read_from_open_dossiers_is_the_orms_for_every_kind_of_wait(cast, clock, monkeypatch):
    clock.set(2026, 3, 10, 9)
    for state in ("new", "accepted", "at_last_step", "finished", "returned", "refused", "processing"):
        dossier = in_state(cast, state)
    services.consult(
        actor=cast.specialist,
        code=dossier.code,
        version=dossier.version,
        unit_code=CONSTRUCTION,
        question="Công trình có vi phạm trật tự xây dựng không?",
    )
    clock.set(2026, 3, 12, 9)
    _lodged(cast, clock, [12, 13])
    builder = official("xaydung", (Role.SPECIALIST, CONSTRUCTION))
    # Every kind at once: new at the desk, at a step held, consulted, and a step held over the consulted unit.
    everyone = official(
        "tonghop", (Role.RECEPTIONIST, CENTRE), (Role.SPECIALIST, JUSTICE), (Role.SPECIALIST, CONSTRUCTION)
    )
    for actor in (cast.desk, cast.specialist, cast.leader, builder, everyone, cast.commune_desk):
        orm_procedures = selectors._queue(actor).values_list("procedure__code", "procedure__name").distinct()
        assert selectors.queue_procedures(actor=actor) == sorted(set(orm_procedures), key=lambda row: row[1])
        for size in (1, 2, 50):
            first = selectors.official_queue_page(actor=actor, size=size)
            assert first == selectors._queue_page(actor, "", size, selectors._read_listed)
            # The page's own read (one statement on PostgreSQL) brings the whole queue's procedures with it.
            monkeypatch.setattr(selectors, "PAGE_SIZE", size)
            page, procedures = selectors.queue_page_and_procedures(actor=actor)
            assert (page, procedures) == (first, selectors.queue_procedures(actor=actor))
    assert selectors.official_queue_page(actor=everyone).total == 6
    assert selectors.official_queue_page(actor=builder).total == 1


def test_a_consulted_agency_is_due_at_the_consultation_and_the_handler_at_the_step(cast):
    builder = official("xaydung", (Role.SPECIALIST, CONSTRUCTION))
    dossier = in_state(cast, "processing")
    dossier = services.consult(
        actor=cast.specialist,
        code=dossier.code,
        version=dossier.version,
        unit_code=CONSTRUCTION,
        question="Công trình có vi phạm trật tự xây dựng không?",
    )
    [consulted] = selectors.official_queue(actor=builder)
    [handler] = selectors.official_queue(actor=cast.specialist)
    assert consulted.due_at == dossier.consult_due_at
    assert handler.due_at == dossier.step_due_at != dossier.consult_due_at


def test_a_citizens_dossiers_come_newest_first_a_page_at_a_time(cast, clock):
    lodged = _lodged(cast, clock, [9, 10, 10, 11, 12])
    newest_first = sorted(lodged, key=lambda dossier: (dossier.submitted_at, dossier.pk), reverse=True)
    first = selectors.citizen_dossier_page(actor=cast.an, size=3)
    second = selectors.citizen_dossier_page(actor=cast.an, cursor=first.next_cursor, size=3)
    assert [row.pk for row in first.items + second.items] == [dossier.pk for dossier in newest_first]
    assert second.next_cursor is None
    newest = newest_first[0]
    assert first.items[0] == selectors.CitizenRow(
        pk=newest.pk,
        code=newest.code,
        status=newest.status,
        submitted_at=newest.submitted_at,
        promised_at=newest.promised_at,
        applicant_id=cast.an.pk,
        procedure_code=newest.procedure.code,
        procedure_name=newest.procedure.name,
        procedure_fee=newest.procedure.fee,
    )
    for tampered in ("not-a-cursor", "~5", f"2026-03-02T09:00:00+07:00~{'9' * 30}", "2026-03-02~²"):
        assert selectors.citizen_dossier_page(actor=cast.an, cursor=tampered, size=3).items == first.items
    queue = selectors.official_queue_page(actor=cast.desk, cursor=f"~{'9' * 30}", size=3)
    assert queue.items == selectors.official_queue_page(actor=cast.desk, size=3).items
    assert selectors.citizen_dossier_page(actor=cast.ngoc).items == []


def test_the_pages_link_to_the_next_page(client, cast, clock, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors.citizen_dossier_page, "__kwdefaults__", {"cursor": "", "size": 2})
    lodged = _lodged(cast, clock, [9, 10, 11])
    for user, url in ((cast.an, "/ho-so/cua-toi/"), (cast.desk, "/can-bo/ho-so/")):
        client.force_login(user)
        first = client.get(url).content.decode()
        assert sum(dossier.code in first for dossier in lodged) == 2
        next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        rest = client.get(url + next_url).content.decode()
        assert sum(dossier.code in rest for dossier in lodged) == 1 and 'rel="next"' not in rest
    assert "3 hồ sơ đang chờ." in first


def _statements(client, url: str, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_the_queue_page_reads_the_same_statements_for_one_dossier_or_many(client, cast, clock):
    _lodged(cast, clock, [9])
    client.force_login(cast.desk)
    client.get("/can-bo/ho-so/")  # what a process reads once (the province's name in the header)
    one, _ = _statements(client, "/can-bo/ho-so/")
    lodged = _lodged(cast, clock, [10, 11, 12])
    client.force_login(cast.desk)  # the clock moved past the first session's end
    client.get("/can-bo/ho-so/")  # what a new session reads once (its second factor, its saving)
    many, response = _statements(client, "/can-bo/ho-so/")
    assert all(dossier.code in response.content.decode() for dossier in lodged)
    # session, user (with its unread notifications), roles, their units, the page of dossiers (with procedures
    # and steps), the procedures waiting (the filter's choices), the calendar; the whole queue is on the page, so
    # it is not counted again
    assert many == one <= 7


def test_the_api_queue_comes_a_page_at_a_time(client, cast, clock):
    lodged = _lodged(cast, clock, [12, 10, 11, 10, 13])
    soonest_first = [d.code for d in sorted(lodged, key=lambda d: (d.acknowledge_due_at, d.pk))]
    desk = bearer("motcua")
    small, first = _statements(client, "/api/v1/dossiers/queue?size=2", **desk)
    assert [item["dossier"]["code"] for item in first.json()] == soonest_first[:2]
    assert first["X-Total-Count"] == "5"
    seen = [item["dossier"]["code"] for item in first.json()]
    following = first["Link"]
    while following:
        url, rel = following.split(";")
        assert rel.strip() == 'rel="next"'
        answer = client.get(url.strip("<> "), **desk)
        seen += [item["dossier"]["code"] for item in answer.json()]
        following = answer.get("Link")
    assert seen == soonest_first
    # Units, steps and documents of every dossier come in the page's own statements, not one per dossier.
    whole, answer = _statements(client, "/api/v1/dossiers/queue", **desk)
    assert len(answer.json()) == 5 and "Link" not in answer
    assert whole <= small + 1  # the page of 2 counted the queue; the page of all did not need to
    assert client.get("/api/v1/dossiers/queue?size=0", **desk).status_code == 422


def _with_pay_links(page: str) -> set[str]:
    """The codes of the dossiers the citizen's list offers to pay a fee for."""
    return {part.rsplit("/ho-so/", 1)[1] for part in page.split("/#thanh-toan")[:-1]}


def test_the_citizens_list_offers_to_pay_every_fee_owed_and_no_other(client, cast, clock):
    owed_at_submission, paid = _lodged(cast, clock, [9, 10])
    assert (
        client.get("/thanh-toan/vnpay/ipn", ipn(started_order(cast.an, paid.code))).json()["RspCode"] == "00"
    )
    asked = in_state(cast, "payment")
    decided = in_state(cast, "returned")
    client.force_login(cast.an)
    page = client.get("/ho-so/cua-toi/").content.decode()
    assert all(dossier.code in page for dossier in (paid, decided))
    assert _with_pay_links(page) == {owed_at_submission.code, asked.code}


def test_the_citizens_list_reads_the_same_statements_for_one_fee_owed_or_many(client, cast, clock):
    _lodged(cast, clock, [9])
    in_state(cast, "payment")
    client.force_login(cast.an)
    client.get("/ho-so/cua-toi/")  # what a process reads once (the province's name in the header)
    few, _ = _statements(client, "/ho-so/cua-toi/")
    lodged = [*_lodged(cast, clock, [10, 11]), in_state(cast, "payment")]
    client.force_login(cast.an)  # the clock moved past the first session's end
    client.get("/ho-so/cua-toi/")
    many, response = _statements(client, "/ho-so/cua-toi/")
    assert _with_pay_links(response.content.decode()) >= {dossier.code for dossier in lodged}
    assert many == few


def test_the_lists_link_each_dossier_as_reverse_does():
    detail = url_of("dossiers:detail")
    for code in ("000.00.01.H12-261206-0005", "Mã hồ sơ & 'số' 2"):  # plain, and quoted
        assert detail(code) == reverse("dossiers:detail", args=[code])
