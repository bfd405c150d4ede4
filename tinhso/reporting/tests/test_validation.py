"""Validation rules with DHIS2's operators and missing-value strategies; outliers by modified z-score."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tinhso.reporting import validation

D = Decimal


@dataclass
class Rule:
    left: str
    operator: str
    right: str
    missing: str = validation.SKIP_IF_ANY
    code: str = "R"
    name: str = "quy tắc"
    importance: str = "medium"


@pytest.mark.parametrize(
    ("operator", "left", "right", "broken"),
    [
        ("==", 5, 5, False), ("==", 5, 6, True), ("!=", 5, 6, False), ("!=", 5, 5, True),
        (">", 6, 5, False), (">", 5, 5, True), (">=", 5, 5, False), (">=", 4, 5, True),
        ("<", 4, 5, False), ("<", 5, 5, True), ("<=", 5, 5, False), ("<=", 6, 5, True),
    ],
)  # fmt: skip
def test_comparison_operators(operator, left, right, broken):
    values = {("A", ""): D(left), ("B", ""): D(right)}
    assert (validation.check_rule(Rule("#{A}", operator, "#{B}"), values) is not None) == broken


@pytest.mark.parametrize(
    ("operator", "values", "broken"),
    [
        ("compulsory_pair", {("A", ""): D(1), ("B", ""): D(2)}, False),
        ("compulsory_pair", {}, False),
        ("compulsory_pair", {("A", ""): D(1)}, True),
        ("exclusive_pair", {("A", ""): D(1)}, False),
        ("exclusive_pair", {}, False),
        ("exclusive_pair", {("A", ""): D(1), ("B", ""): D(0)}, True),
    ],
)
def test_pair_operators(operator, values, broken):
    assert (validation.check_rule(Rule("#{A}", operator, "#{B}"), values) is not None) == broken


def test_missing_value_strategies():
    only_a = {("A", ""): D(5)}
    rule = Rule("#{A}", "<=", "#{B} + #{C}")
    assert validation.check_rule(rule, only_a) is None  # SKIP_IF_ANY: B and C missing
    rule.missing = validation.SKIP_IF_ALL
    assert validation.check_rule(rule, only_a) is None  # every value of the right side missing
    assert validation.check_rule(rule, {**only_a, ("B", ""): D(1)}) is not None  # C counts as 0: 5 > 1
    rule.missing = validation.NEVER_SKIP
    assert validation.check_rule(rule, only_a).right == 0


def test_expressions_sum_breakdowns_and_refuse_anything_else():
    values = {("DN", "nn"): D(2), ("DN", "tn"): D(40), ("T", ""): D(42)}
    assert validation.check_rule(Rule("#{DN}", "==", "#{T}"), values) is None
    assert validation.check_rule(Rule("#{DN.nn} * 21", "==", "#{T}"), values) is None
    with pytest.raises(Exception, match="không hợp lệ"):
        validation.check_expression("__import__('os')")


def test_a_tenfold_jump_is_an_outlier_but_a_seasonal_peak_is_not():
    history = [
        D(v) for v in (100, 104, 98, 101, 97, 103, 99, 102, 100, 96, 105, 300)
    ]  # December peaks at 300
    assert validation.is_outlier(D(1000), history[:-1], year_before=None)
    assert validation.is_outlier(D(1000), history, year_before=D(100))
    assert not validation.is_outlier(D(310), history[:-1], year_before=D(300))  # as last December
    assert not validation.is_outlier(D(104), history, year_before=D(100))
    assert not validation.is_outlier(D(1000), history[:5], year_before=None)  # too little history
