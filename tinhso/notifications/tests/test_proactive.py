"""Proactive rules find people due for a procedure, at their boundaries; each finding becomes one suggestion
(home page, and a message to those who opted in), and the campaign's reach is counted."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tinhso.catalog.models import Procedure
from tinhso.core.models import Event, Role
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Dossier
from tinhso.notifications import proactive, selectors, services
from tinhso.notifications.models import OutboxMessage, ProactiveRule, Suggestion
from tinhso.testing.dossier_flow import in_state, pdf
from tinhso.testing.dossiers import AN_XUYEN, BIRTH, RECORD
from tinhso.testing.factories import citizen, official, resident
from tinhso.testing.notifications import opt_in, reachable

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 7)


def person(serial: str, born: date):
    """A citizen with an account; the ID's fourth digit and the two after it encode the century and year."""
    century = "0" if born.year < 2000 else "2"
    return citizen(f"096{century}{born.year % 100:02d}{serial[-6:]}", birth_date=born)


def found(code: str, today: date = TODAY) -> set[tuple[int, str, date]]:
    rule = ProactiveRule.objects.get(code=code)
    return {(f.user_id, f.key, f.due_on) for f in proactive.FINDERS[rule.kind](rule, today)}


def test_the_identity_card_rule_finds_birthdays_of_14_25_40_60_from_today_to_the_lead_time():
    on_the_day = person("096001000001", date(2001, 12, 7))  # 25 today
    last_day = person("096001000002", date(1987, 1, 6))  # 40 on the 30th day
    a_day_late = person("096001000003", date(1987, 1, 7))  # the 31st day: next run
    yesterday = person("096001000004", date(2001, 12, 6))  # already 25
    not_a_milestone = person("096001000005", date(1996, 12, 20))  # 30
    fourteen = person("096001000006", date(2012, 12, 31))
    assert found("identity-card-age") == {
        (on_the_day.pk, "age-25", date(2026, 12, 7)),
        (last_day.pk, "age-40", date(2027, 1, 6)),
        (fourteen.pk, "age-14", date(2026, 12, 31)),
    }
    assert {a_day_late.pk, yesterday.pk, not_a_milestone.pk}.isdisjoint(
        u for u, _, _ in found("identity-card-age")
    )


def test_a_person_born_on_29_february_is_due_on_28_february_of_a_common_year():
    leap = person("096001000007", date(1968, 2, 29))  # 60 in 2028 (leap), found in a common year too
    rule = ProactiveRule.objects.get(code="identity-card-age")
    rule.params, rule.lead_days = {"ages": [57]}, 0
    rule.save()
    assert found("identity-card-age", date(2025, 2, 28)) == {(leap.pk, "age-57", date(2025, 2, 28))}
    assert found("identity-card-age", date(2025, 2, 27)) == set()


def test_a_registry_record_without_an_account_is_nobody_to_tell():
    resident("096201000008", birth_date=date(2001, 12, 7))
    assert found("identity-card-age") == set()


def finished_on(cast, day: date) -> Dossier:
    dossier = in_state(cast, "finished")
    Dossier.objects.filter(pk=dossier.pk).update(
        finished_at=timezone.make_aware(datetime(day.year, day.month, day.day, 10))
    )
    return dossier


def test_a_result_suggests_the_next_procedure_until_it_is_submitted(cast):
    ProactiveRule.objects.filter(code="newborn-health-insurance").update(
        params={"after": [RECORD], "within_days": 60}
    )
    dossier = finished_on(cast, TODAY - timedelta(days=10))
    assert found("newborn-health-insurance") == {(cast.an.pk, dossier.code, TODAY + timedelta(days=50))}
    assert found("newborn-health-insurance", TODAY + timedelta(days=51)) == set()  # the window has passed
    dossier_services.submit_dossier(
        actor=cast.an,
        procedure_code="H12-BHYT-01",
        form_data={
            "child_full_name": "Nguyễn Minh Khang",
            "child_birth_date": "2026-11-02",
            "primary_care_facility": "Trạm Y tế phường An Xuyên",
        },
        documents={1: [pdf()]},
        receiving_unit_code=AN_XUYEN,
    )
    assert found("newborn-health-insurance") == set()


def test_a_permit_is_suggested_for_extension_within_the_lead_time_of_its_expiry(cast):
    ProactiveRule.objects.filter(code="building-permit-expiry").update(
        params={"after": [RECORD], "valid_months": 12}
    )
    dossier = finished_on(cast, date(2025, 12, 31))  # lapses 31/12/2026: 24 days ahead
    assert found("building-permit-expiry") == {(cast.an.pk, dossier.code, date(2026, 12, 31))}
    assert found("building-permit-expiry", date(2026, 12, 1)) == {
        (cast.an.pk, dossier.code, date(2026, 12, 31))
    }
    assert found("building-permit-expiry", date(2026, 11, 30)) == set()  # 31 days ahead
    assert found("building-permit-expiry", date(2027, 1, 1)) == set()  # lapsed


def test_a_run_suggests_once_tells_only_who_opted_in_and_counts_the_reach(cast, client, smtp):
    told = person("096001000011", date(2001, 12, 7))
    silent = person("096001000012", date(2001, 12, 8))
    reachable(told, email="told@example.com")
    reachable(silent, email="silent@example.com")  # notices by e-mail, but no opt-in to suggestions
    opt_in(told, "email", "suggestions")
    assert services.run_rule(code="identity-card-age", today=TODAY) == 2
    assert services.run_rule(code="identity-card-age", today=TODAY) == 0  # found once
    assert Suggestion.objects.count() == 2
    [message] = OutboxMessage.objects.all()
    assert message.recipient == told and message.optional
    services.deliver_outbox()
    [mail] = smtp.messages
    assert mail["Subject"].strip() == (
        "Ngày 07/12/2026 bạn đến tuổi phải cấp đổi thẻ căn cước. Mời bạn làm thủ tục cấp đổi."
    )
    assert Event.objects.filter(action="notifications.rule_ran").latest("id").payload == {
        "rule": "identity-card-age",
        "found": 0,
        "told": 0,
    }
    client.force_login(told)
    home = client.get("/").content.decode()
    assert "Gợi ý cho bạn" in home and "Luật Căn cước số 26/2023/QH15" in home
    suggestion = Suggestion.objects.get(user=told)
    assert client.get(f"/goi-y/{suggestion.pk}/")["Location"] == "https://dichvucong.bocongan.gov.vn/"
    client.force_login(silent)
    assert client.get(f"/goi-y/{suggestion.pk}/").status_code == 404  # someone else's
    [reach] = [r for r in selectors.campaign_reach() if r.rule.code == "identity-card-age"]
    assert (reach.found, reach.told, reach.opened, reach.submitted, reach.finished) == (2, 1, 1, 0, 0)


def test_an_opted_out_person_gets_no_suggestion_message_even_if_written_before(cast, smtp):
    told = person("096001000011", date(2001, 12, 7))
    reachable(told, email="told@example.com")
    opt_in(told, "email", "suggestions")
    services.run_rule(code="identity-card-age", today=TODAY)
    message = OutboxMessage.objects.get()
    services.opt_out(message_id=message.pk)
    services.deliver_outbox()
    message.refresh_from_db()
    assert smtp.messages == [] and message.status == OutboxMessage.Status.FAILED
    assert message.attempt_log.get().answer == "opted out"


def test_a_switched_off_rule_finds_no_one_and_a_dismissed_suggestion_leaves_the_home_page(cast, client):
    someone = person("096001000011", date(2001, 12, 7))
    ProactiveRule.objects.filter(code="identity-card-age").update(active=False)
    assert services.run_rule(code="identity-card-age", today=TODAY) == 0
    ProactiveRule.objects.filter(code="identity-card-age").update(active=True)
    services.run_rule(code="identity-card-age", today=TODAY)
    client.force_login(someone)
    suggestion = Suggestion.objects.get()
    client.post(f"/goi-y/{suggestion.pk}/bo-qua/")
    assert "Gợi ý cho bạn" not in client.get("/").content.decode()


def test_a_suggestion_opens_the_procedure_form_filled_from_the_registry(cast, client):
    ProactiveRule.objects.filter(code="newborn-health-insurance").update(
        params={"after": [RECORD], "within_days": 60}
    )
    finished_on(cast, timezone.localdate() - timedelta(days=3))
    services.run_rule(code="newborn-health-insurance")
    suggestion = Suggestion.objects.get(user=cast.an)
    client.force_login(cast.an)
    form = client.get(f"/goi-y/{suggestion.pk}/", follow=True)
    assert form.redirect_chain[-1][0] == "/thu-tuc/H12-BHYT-01/nop/"
    assert "Nguyễn Văn An" in form.content.decode()  # the applicant, from the registry
    [reach] = [r for r in selectors.campaign_reach() if r.rule.code == "newborn-health-insurance"]
    assert (reach.found, reach.opened, reach.submitted) == (1, 1, 0)


def test_the_operations_centre_shows_each_campaign_reach_in_three_statements(
    cast, client, django_assert_num_queries
):
    person("096001000011", date(2001, 12, 7))
    services.run_rule(code="identity-card-age", today=TODAY)
    client.force_login(official("lanhdaotinh", (Role.PROVINCE_LEADER, "96")))
    assert 'href="/dieu-hanh/dich-vu-chu-dong/"' in client.get("/dieu-hanh/").content.decode()
    with django_assert_num_queries(3):
        reach = selectors.campaign_reach()
    assert len(reach) == ProactiveRule.objects.count() > 1
    html = client.get("/dieu-hanh/dich-vu-chu-dong/").content.decode()
    assert "Dịch vụ chủ động: phạm vi tiếp cận" in html
    assert '<th scope="row">Cấp đổi thẻ căn cước khi đến tuổi</th><td>1</td><td>0</td>' in html


def test_campaign_reach_is_for_those_who_see_the_operations_centre(cast, client):
    client.force_login(citizen("096090007777"))
    assert client.get("/dieu-hanh/dich-vu-chu-dong/").status_code == 403


def test_a_business_household_is_told_of_its_annual_tax_return_each_year_until_it_ends(cast):
    """Stand-ins for the demo's procedures: the judicial record for the registration, the birth registration
    for ending it."""
    rule = ProactiveRule.objects.get(code="business-household-tax-return")
    # Seeded off: its basis (the lump-sum regime's annual return) ended on 01/01/2026 and needs checking.
    assert not rule.active and "38/2019/QH14" in rule.legal_basis and rule.lead_days == 30
    ProactiveRule.objects.filter(pk=rule.pk).update(
        active=True, params=rule.params | {"after": [RECORD], "until": [BIRTH]}
    )
    registered = finished_on(cast, date(2026, 3, 2))
    code = "business-household-tax-return"
    assert found(code, date(2026, 12, 31)) == set()  # 31 days before 31/01: not yet
    assert found(code, date(2027, 1, 1)) == {(cast.an.pk, f"{registered.code}-2027", date(2027, 1, 31))}
    assert found(code, date(2027, 1, 31)) == {(cast.an.pk, f"{registered.code}-2027", date(2027, 1, 31))}
    assert found(code, date(2027, 2, 1)) == set()  # next due 31/01/2028
    assert services.run_rule(code=code, today=date(2027, 1, 1)) == 1
    assert services.run_rule(code=code, today=date(2027, 1, 20)) == 0  # told once a year
    assert services.run_rule(code=code, today=date(2028, 1, 5)) == 1

    ended = finished_on(cast, date(2028, 3, 1))
    Dossier.objects.filter(pk=ended.pk).update(procedure=Procedure.objects.get(code=BIRTH))
    assert found(code, date(2029, 1, 1)) == set()  # the household ended


def test_a_household_registered_on_the_day_the_return_is_due_is_not_due_that_year(cast):
    rule = ProactiveRule.objects.get(code="business-household-tax-return")
    ProactiveRule.objects.filter(pk=rule.pk).update(params=rule.params | {"after": [RECORD]})
    finished_on(cast, date(2027, 1, 31))
    assert found("business-household-tax-return", date(2027, 1, 31)) == set()
