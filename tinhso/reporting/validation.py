"""Validation rules with DHIS2's semantics and outliers by modified z-score: pure functions over a report's
values {(indicator code, disaggregation): Decimal}."""

import ast
import operator as op
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import NamedTuple, cast

from django.utils.translation import gettext_lazy as _

from tinhso.core import caching
from tinhso.core.errors import InvalidInput
from tinhso.core.syntax import parse_expression

TOKEN = re.compile(r"#\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}")
SKIP_IF_ANY = "SKIP_IF_ANY_VALUE_MISSING"
SKIP_IF_ALL = "SKIP_IF_ALL_VALUES_MISSING"
NEVER_SKIP = "NEVER_SKIP"
PAIRS = ("compulsory_pair", "exclusive_pair")
COMPARISONS = {"==": op.eq, "!=": op.ne, ">": op.gt, ">=": op.ge, "<": op.lt, "<=": op.le}
_ARITHMETIC = {ast.Add: op.add, ast.Sub: op.sub, ast.Mult: op.mul, ast.Div: op.truediv}
# Iglewicz and Hoaglin: |modified z| above 3.5 is a likely outlier; 6 points is the least history judged.
MOD_Z_THRESHOLD = 3.5
MIN_HISTORY = 6
YOY_NORMAL = Decimal("0.5")  # within ±50% of the same period a year before: a seasonal peak, not an error

Values = dict[tuple[str, str], Decimal]


def references(expression: str) -> list[tuple[str, str]]:
    return [(code, disaggregation or "") for code, disaggregation in TOKEN.findall(expression)]


# A rule's expression is read for every report checked: parsed once per process (in a thread of its own).
@caching.memo("reporting.validation.expression_trees", maxsize=1024)
def _tree(expression: str) -> ast.Expression:
    text = TOKEN.sub(lambda match: f"v{abs(hash(match.group(0)))}", expression)
    try:
        tree = parse_expression(text)
    except SyntaxError:
        raise InvalidInput(
            _("Biểu thức “%(expression)s” không hợp lệ."),
            params={"expression": expression},
            code="invalid_expression",
        ) from None
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Name, ast.Load, ast.Constant)
        if not isinstance(node, allowed + tuple(_ARITHMETIC)) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, int | float)
        ):
            raise InvalidInput(
                _("Biểu thức “%(expression)s” không hợp lệ."),
                params={"expression": expression},
                code="invalid_expression",
            )
    return tree


def check_expression(expression: str) -> None:
    _tree(expression)


def _evaluate(expression: str, values: dict[tuple[str, str], Decimal | None]) -> Decimal | None:
    names = {
        f"v{abs(hash(match.group(0)))}": (match.group(1), match.group(2) or "")
        for match in TOKEN.finditer(expression)
    }

    def walk(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return values.get(names[node.id]) or Decimal(0)
        if isinstance(node, ast.UnaryOp):
            return -walk(node.operand)
        binary = cast("ast.BinOp", node)
        return _ARITHMETIC[type(binary.op)](walk(binary.left), walk(binary.right))

    try:
        return walk(_tree(expression))
    except (ZeroDivisionError, InvalidOperation):
        return None


class Rule(NamedTuple):
    """What the checks read of a ValidationRule, its fields in this order (plain values: no model instance)."""

    code: str
    name: str
    left: str
    operator: str
    right: str
    importance: str
    missing: str


@dataclass(frozen=True)
class Violation:
    code: str
    name: str
    importance: str
    left: Decimal | None
    right: Decimal | None
    operator: str


def cell(values: Values, code: str, disaggregation: str) -> Decimal | None:
    """A cell's value; an indicator's total, when not typed, is the sum of its typed breakdowns."""
    if (code, disaggregation) in values or disaggregation:
        return values.get((code, disaggregation))
    parts = [value for (other, part), value in values.items() if other == code and part]
    return sum(parts, Decimal(0)) if parts else None


def check_rule(rule, values: Values) -> Violation | None:
    """The violation of `rule` (a ValidationRule or anything with its fields), or None when it holds or
    is skipped by its missing-value strategy."""
    sides = []
    for expression in (rule.left, rule.right):
        found = {ref: cell(values, *ref) for ref in references(expression)}
        sides.append((expression, found))
    present = [any(value is not None for value in found.values()) for _, found in sides]
    if rule.operator in PAIRS:
        broken = present[0] != present[1] if rule.operator == "compulsory_pair" else all(present)
        return Violation(rule.code, rule.name, rule.importance, None, None, rule.operator) if broken else None
    complete = [all(value is not None for value in found.values()) for _, found in sides]
    if rule.missing == SKIP_IF_ANY and not all(complete):
        return None
    if rule.missing == SKIP_IF_ALL and not all(present[index] or not sides[index][1] for index in (0, 1)):
        return None
    left, right = (_evaluate(expression, found) for expression, found in sides)
    if left is None or right is None or COMPARISONS[rule.operator](left, right):
        return None
    return Violation(rule.code, rule.name, rule.importance, left, right, rule.operator)


def modified_z(value: Decimal, history: list[Decimal]) -> float | None:
    """0.6745 (x − median) / MAD over the unit's own history; None with too little history."""
    if len(history) < MIN_HISTORY:
        return None
    points = [float(point) for point in history]
    centre = median(points)
    mad = median(abs(point - centre) for point in points)
    deviation = float(value) - centre
    if mad == 0:
        return 0.0 if deviation == 0 else float("inf") if deviation > 0 else float("-inf")
    return 0.6745 * deviation / mad


def is_outlier(value: Decimal, history: list[Decimal], year_before: Decimal | None) -> bool:
    """Far from the unit's own history, unless the same period a year before shows it is seasonal."""
    score = modified_z(value, history)
    if score is None or abs(score) <= MOD_Z_THRESHOLD:
        return False
    if year_before is not None and year_before != 0:
        return abs(value / year_before - 1) > YOY_NORMAL
    return True
