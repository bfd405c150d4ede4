"""Regimes (Decree 09/2019 Art. 7), deadlines per level (Art. 8.5) and versioned indicators."""

from datetime import datetime
from decimal import Decimal

import pytest

from tinhso.core.errors import Conflict, InvalidInput
from tinhso.core.models import Event
from tinhso.reporting import deadlines, imports, periods, selectors, services, setup
from tinhso.reporting.models import IndicatorVersion, Regime

from .conftest import FINANCE, JUSTICE, ZONE, one_cell

pytestmark = pytest.mark.django_db


def test_a_periodic_regime_without_a_component_cannot_be_activated_and_the_error_names_it(cast, clock):
    setup.define_monthly_report(reporters=[JUSTICE], activate=False)
    services.define_regime(actor=None, code=setup.REGIME, outline=[], legal_basis="")
    with pytest.raises(InvalidInput) as refused:
        services.activate_regime(actor=None, code=setup.REGIME)
    assert refused.value.code == "regime_incomplete"
    assert (
        "mẫu đề cương báo cáo" in refused.value.message
        and "văn bản quy phạm pháp luật" in refused.value.message
    )
    assert selectors.regime_by_code(setup.REGIME).state == Regime.State.DRAFT


def test_a_complete_regime_is_activated_and_then_no_longer_edited_in_place(regime):
    assert selectors.regime_by_code(regime).state == Regime.State.ACTIVE
    with pytest.raises(Conflict):
        services.define_regime(actor=None, code=regime, title="Khác")


def test_a_thematic_regime_needs_no_periodic_components(cast):
    services.define_regime(actor=None, code="CD-CCHC", kind="thematic", title="Chuyên đề cải cách hành chính")
    assert services.activate_regime(actor=None, code="CD-CCHC").state == Regime.State.ACTIVE


def test_deadlines_per_level_count_working_days_after_the_cutoff():
    period = periods.parse("2026M03")  # cut-off ends Saturday 14/03/2026
    two_days = deadlines.Rule("Sở", deadlines.WORKING_DAYS, 2)
    # Sunday 15 is off: Monday 16 and Tuesday 17 are the two working days.
    assert deadlines.deadline(two_days, period) == datetime(2026, 3, 17, 17, tzinfo=ZONE)
    day_25 = deadlines.Rule("Tỉnh", deadlines.DAY_OF_MONTH, 25)
    assert deadlines.deadline(day_25, period).date().isoformat() == "2026-03-25"


def test_a_rule_leaving_less_than_one_working_day_after_the_cutoff_is_refused():
    april = [periods.parse("2026M04")]  # cut-off ends Tuesday 14/04; the 15th is a working day
    deadlines.check([{"level": "Sở", "kind": "day_of_month", "value": 15}], april)
    january = [periods.parse("2026M01")]  # cut-off ends Wednesday 14/01; 15th a working day too
    deadlines.check([{"level": "Sở", "kind": "day_of_month", "value": 15}], january)
    march = [periods.parse("2026M03")]  # ends Saturday 14/03: Sunday 15 leaves no working day
    with pytest.raises(InvalidInput) as refused:
        deadlines.check([{"level": "Sở", "kind": "day_of_month", "value": 15}], march)
    assert refused.value.code == "deadline_too_close" and "2026M03" in refused.value.message


def test_a_higher_levels_deadline_must_come_after_the_lower_ones():
    with pytest.raises(InvalidInput) as refused:
        deadlines.check(
            [
                {"level": "Xã", "kind": "day_of_month", "value": 20},
                {"level": "Tỉnh", "kind": "day_of_month", "value": 18},
            ],
            [periods.parse("2026M04")],
        )
    assert refused.value.code == "deadline_order"


def test_changing_a_published_indicator_makes_a_new_version_and_old_values_stay(regime, cast, clock):
    clock.set(2026, 3, 16)
    services.save_values(actor=cast.justice, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                         cells=[services.Cell("DNMOI", "12")])  # fmt: skip
    first = services.define_indicator(actor=None, code="DNMOI")
    second = services.define_indicator(
        actor=None, code="DNMOI", disaggregations=[["nn", "Nhà nước"], ["tn", "Tư nhân"]]
    )
    assert (first.version, second.version) == (1, 2)
    value = one_cell(code="DNMOI")
    held_version = IndicatorVersion.objects.get(pk=value.indicator_version_id)
    assert held_version.version == 1 and value.value == 12
    assert held_version.disaggregations == []
    assert Event.objects.filter(
        action="reporting.indicator_versioned", payload__changed=["disaggregations"]
    ).exists()
    # Unchanged: no third version.
    assert (
        services.define_indicator(
            actor=None, code="DNMOI", disaggregations=[["nn", "Nhà nước"], ["tn", "Tư nhân"]]
        ).version
        == 2
    )


def test_year_to_date_and_percentages_are_computed_never_typed(regime, cast, clock):
    for month, value in ((1, "100"), (2, "110"), (3, "121")):
        clock.set(2026, month, 16)
        services.save_values(actor=cast.finance, regime_code=regime, period_id=f"2026M{month:02d}", unit_code=FINANCE,
                             cells=[services.Cell("BLHH", value), services.Cell("BLHH", "4000", kind="plan")])  # fmt: skip
    row = selectors.computed(
        selectors.regime_by_code(regime), "2026M03", selectors.core_selectors.unit_by_code(FINANCE)
    )[("BLHH", "")]
    assert row["ytd"] == 331 and row["pct_prev"] == 110 and row["pct_plan"] == Decimal("8.28")
    outcome = imports.import_values(actor=cast.finance, regime_code=regime,
                                     values=[{"indicator": "BLHH", "period": "2026M03", "unit": FINANCE, "kind": "ytd", "value": "331"}])  # fmt: skip
    assert outcome.conflicts[0]["errorCode"] == "computed_value"
