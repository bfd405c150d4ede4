"""Demo of reporting: the province's monthly socio-economic report with twelve months of approved history for
four departments and three communes, the latest closed month open at Sở Tư pháp with one figure that does not
match the platform's own count, and the reporting officer `baocao` who must explain it."""

import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.core import selectors as core_selectors
from tinhso.core import services as core_services
from tinhso.core.models import Role, User
from tinhso.core.production import DEMO_PASSWORD
from tinhso.reporting import periods, selectors, services, setup
from tinhso.reporting.models import Derivation, Regime

DEPARTMENTS = ("15", "16", "18", "19")  # Tư pháp, Xây dựng, Tài chính, Y tế
COMMUNES = ("32002", "32014", "32041")
# Typical size of each row for one unit (a month), before seasonal and random variation.
BASE = {
    "IIP": 106,
    "BLHH": 420,
    "THUNS": 95,
    "CPI": 100.3,
    "DNMOI": 18,
    "HSTN": 260,
    "HSTT": 150,
    "HSDH": 230,
    "PAHT": 12,
}


def reporters() -> list[str]:
    portal = settings.TINHSO_PROVINCE
    return [setup.agency(number) for number in DEPARTMENTS] + [f"{code}.{portal}" for code in COMMUNES]


def figures(rng: random.Random, month: int, scale: float) -> dict[str, str]:
    """One unit's month: Tết (months 1-2) lifts retail and lowers industry, as provincial reports show."""
    season = {1: 1.12, 2: 1.08, 12: 1.06}.get(month, 1.0)
    out = {}
    for code, base in BASE.items():
        wobble = 1 + rng.uniform(-0.03, 0.03)
        if code in ("IIP", "CPI"):
            value = Decimal(str(base * wobble if code == "IIP" else base + rng.uniform(-0.4, 0.6))).quantize(
                Decimal("0.01")
            )
        elif code in ("BLHH", "THUNS"):
            value = Decimal(str(base * scale * season * wobble)).quantize(Decimal("0.1"))
        else:
            value = Decimal(round(base * scale * wobble))
        out[code] = str(value)
    out["HSTT"] = str(min(int(out["HSTT"]), int(out["HSTN"])))
    out["HSDH"] = str(min(int(out["HSDH"]), int(out["HSTN"])))
    return out


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    lines = []
    if with_accounts and not User.objects.filter(username="baocao").exists():
        core_services.create_official(
            actor=None, username="baocao", full_name="Đoàn Thị Thanh Thảo", password=DEMO_PASSWORD,
            roles=[(Role.REPORTING_OFFICER, setup.agency("15"))], demo=True,
        )  # fmt: skip
    if with_accounts:
        unit_name = core_selectors.unit_by_code(setup.agency("15")).name
        lines.append(
            f"{'baocao':<12} {DEMO_PASSWORD}  {Role.REPORTING_OFFICER.label}, {unit_name}: /bao-cao/"
        )
    if Regime.objects.filter(code=setup.REGIME).exists():
        return lines
    # Entry stays open 30 days past the first deadline, so the latest closed month can be typed any day.
    setup.define_monthly_report(reporters=reporters(), expiry_days=30)
    regime = selectors.regime_by_code(setup.REGIME)
    latest = periods.containing(timezone.now(), frequency="M").previous()
    history = [latest]
    for _step in range(12):
        history.append(history[-1].previous())
    rng = random.Random(2026)
    for period in history:
        services.snapshot_derivations(regime_code=regime.code, period_id=period.id)
    for scale_index, unit in enumerate(reporters()):
        scale = 1.0 if scale_index < len(DEPARTMENTS) else 0.35
        for period in reversed(history[1:]):
            services.import_history(
                actor=None, regime_code=regime.code, period_id=period.id, unit_code=unit,
                values={**figures(rng, period.last_month, scale), **_platform(regime, period, unit)},
                reason="Số liệu đã phê duyệt trên hệ thống báo cáo cũ của tỉnh",
            )  # fmt: skip
    if with_accounts:
        _open_month(regime, latest, figures(rng, latest.last_month, 1.0))
    return lines


def _platform(regime: Regime, period: periods.Period, unit: str) -> dict[str, str]:
    """What the platform counted for the unit: past months were reported as the platform recorded them."""
    rows = Derivation.objects.filter(regime=regime, period=period.id, unit__code=unit)
    return {
        code: str(int(value))
        for code, value in rows.values_list("indicator_version__indicator__code", "value")
    }


def _open_month(regime: Regime, period: periods.Period, values: dict[str, str]) -> None:
    """Sở Tư pháp's latest month in draft, typed by `baocao`: its dossier count differs from the platform's."""
    justice = setup.agency("15")
    officer = User.objects.get(username="baocao")
    values = {**values, **_platform(regime, period, justice)}
    values["HSTN"] = str(int(values["HSTN"]) + 3)  # three paper dossiers never entered on the platform
    services.save_values(actor=officer, regime_code=regime.code, period_id=period.id, unit_code=justice,
                         cells=[services.Cell(code, value) for code, value in values.items()])  # fmt: skip
