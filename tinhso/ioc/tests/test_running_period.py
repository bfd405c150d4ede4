"""Issue 18, items 2 and 3: what each dossier counts as while its period is still running, the same on the
scorecard, the drill-down, the ranking and the alerts; units without records listed apart, not ranked.

Decided from Decision 766 and docs (shared/domain/service-index.md): a dossier open at the end of a period is
judged at the period's last day; while the period runs, that day has not come, so an open dossier is judged now:
not yet due is "on time", past due is "late", and the consumer judges it again when its deadline passes. A
dossier the applicant withdrew is an end state but was not resolved by the agency: it is neither on time nor
late (it leaves 2.1 and 6.3) and stops counting as open."""

from datetime import timedelta
from decimal import Decimal

from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import Dossier
from tinhso.ioc import selectors, services
from tinhso.ioc.models import Alert
from tinhso.ioc.periods import parse
from tinhso.ioc.tests.helpers import accept, act, finish, submit, supplement

JUSTICE = "000.00.15.H12"
DECEMBER = parse("2026-12")


def _progress(leader, unit: str = JUSTICE) -> tuple[float | None, float | None]:
    value = selectors.scorecard(actor=leader, unit_code=unit, period=DECEMBER).value("2.1")
    return value.numerator, value.denominator


def _verdicts(leader) -> dict[str, str]:
    drill = selectors.records(actor=leader, indicator="2.1", unit_code=JUSTICE, period=DECEMBER)
    assert drill.total == len(drill.rows)  # the list holds exactly the records the denominator counts
    return {row.code: str(row.verdict) for row in drill.rows}


def _justice_rank(leader) -> selectors.RankRow:
    rows = selectors.ranking(actor=leader, period=DECEMBER)
    return next(row for row in rows if row.unit.code == JUSTICE)


def test_a_dossier_not_yet_due_is_not_overdue_until_its_deadline_passes(cast, clock, province_leader):
    clock.set(2026, 12, 1, 8)
    dossier = accept(cast, submit(cast))
    due = Dossier.objects.get(pk=dossier.pk).original_promised_at
    assert due > clock.set(2026, 12, 6, 19)  # the period runs; the dossier is due later in December
    services.consume_events()
    assert _progress(province_leader) == (1, 1)
    assert _verdicts(province_leader) == {dossier.code: "Đúng hạn (còn mở cuối kỳ)"}
    assert _justice_rank(province_leader).on_time.rate == 1.0
    # No event comes; once the deadline has passed, the consumer's next run judges it late everywhere.
    clock.now = due + timedelta(minutes=1)
    services.consume_events()
    assert _progress(province_leader) == (0, 1)
    assert _verdicts(province_leader) == {dossier.code: "Quá hạn (còn mở cuối kỳ)"}
    assert _justice_rank(province_leader).on_time.rate == 0.0


def test_a_dossier_past_its_deadline_is_late_at_once(cast, clock, province_leader):
    clock.set(2026, 11, 2, 8)
    dossier = accept(cast, submit(cast))
    clock.set(2026, 12, 6, 19)  # due in November, still open
    services.roll_horizon()
    services.consume_events()
    assert _progress(province_leader) == (0, 1)
    assert _verdicts(province_leader) == {dossier.code: "Quá hạn (còn mở cuối kỳ)"}


def test_a_withdrawn_dossier_is_neither_on_time_nor_late(cast, clock, province_leader):
    clock.set(2026, 12, 1, 8)
    withdrawn = accept(cast, submit(cast))
    finished = finish(cast, accept(cast, submit(cast)))
    clock.set(2026, 12, 3, 9)
    act(withdrawn, dossier_services.withdraw, cast.an, reason="Không còn nhu cầu.")
    services.consume_events()
    assert _progress(province_leader) == (1, 1)  # the finished one only
    assert _verdicts(province_leader) == {finished.code: "Đúng hạn (kết thúc)"}
    assert _justice_rank(province_leader).on_time.denominator == 1


def test_an_open_alert_shows_the_rate_the_ranking_shows(cast, clock, province_leader):
    services.create_alert_rule(actor=province_leader, indicator="2.1", threshold=Decimal("0.9"))
    clock.set(2026, 12, 1, 8)
    on_time = finish(cast, accept(cast, submit(cast)))
    late = accept(cast, submit(cast))
    for _ in range(2):  # sent back twice: late
        supplement(cast, late)
        act(late, dossier_services.answer_supplement, cast.an, note="Đã bổ sung.")
    services.consume_events()
    assert Alert.objects.get().rate == 0.5
    finish(cast, accept(cast, submit(cast)))  # 2 of 3: still below 90%, the same breach
    services.consume_events()
    alert = Alert.objects.get()
    assert alert.cleared_at is None and alert.rate == _justice_rank(province_leader).on_time.rate == 2 / 3
    assert on_time.code


def test_units_without_records_are_listed_apart_not_ranked(client, cast, clock, province_leader):
    clock.set(2026, 12, 1, 8)
    finish(cast, accept(cast, submit(cast)))
    services.consume_events()
    rows = selectors.ranking(actor=province_leader, period=DECEMBER)
    assert rows[0].unit.code == JUSTICE and rows[0].has_data
    assert not any(row.has_data for row in rows[1:])  # every other agency received nothing in December
    client.force_login(province_leader)
    html = client.get("/dieu-hanh/", {"period": "2026-12"}).content.decode()
    ranked, unranked = html.split('<tbody class="ioc-unranked">', 2)[:2]
    agencies = ranked[ranked.rindex("Xếp hạng cơ quan, đơn vị") :]
    assert "<tr><td>1</td><td><a" in agencies and "Sở Tư pháp tỉnh Cà Mau" in agencies
    assert "Công an tỉnh" not in agencies and "Công an tỉnh" in unranked
    assert "chưa có hồ sơ trong kỳ (không xếp hạng)" in unranked
    card = selectors.scorecard(actor=province_leader, period=DECEMBER)
    # The headline says what the score is out of: the points of the indicators with data, not 100.
    points = f"{card.computable_points:.0f}"
    assert f"<small> / {points}</small>" in html and f"trên {points} điểm của các chỉ số có dữ liệu" in html
