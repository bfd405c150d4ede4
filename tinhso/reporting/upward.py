"""Sending an approved report upward: a package of the canonical JSON of its values (with its SHA-256) and a
PDF rendering signed PAdES by the platform's signing service, handed to an adapter. The national reporting
system's exchange format is not public, so the first adapter writes the package to a folder; a real one
replaces it through TINHSO_REPORTING_ADAPTER."""

import hashlib
import json
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Protocol

import fontpkg
from django.conf import settings
from django.utils.module_loading import import_string
from fpdf import FPDF

from tinhso.core.eventlog import canonical_json
from tinhso.reporting import selectors
from tinhso.reporting.models import Aggregate, Submission
from tinhso.reporting.selectors import period_of

FONT = "BeVietnamPro"


@dataclass(frozen=True)
class Package:
    name: str
    document: dict
    canonical: bytes
    sha256: str
    pdf: bytes
    signature: str = ""  # the signed PDF's verification code (/xac-thuc/<code>/)


def signed(package: Package, *, pdf: bytes, code: str) -> Package:
    """The package carrying its PDF as signed, under the signature's verification code."""
    return replace(package, pdf=pdf, signature=code)


class Adapter(Protocol):
    name: str

    def send(self, package: Package) -> str:
        """Delivers the package; returns where it went (a path, a message id)."""
        ...


class FolderAdapter:
    """Writes <name>.json, <name>.pdf and <name>.sha256 under TINHSO_REPORTING_OUTBOX."""

    name = "folder"

    def send(self, package: Package) -> str:
        folder = Path(
            getattr(settings, "TINHSO_REPORTING_OUTBOX", Path(settings.MEDIA_ROOT) / "reporting-outbox")
        )
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{package.name}.json").write_bytes(package.canonical)
        (folder / f"{package.name}.pdf").write_bytes(package.pdf)
        (folder / f"{package.name}.sha256").write_text(
            f"{package.sha256}  {package.name}.json\n", encoding="utf-8"
        )
        return str(folder / f"{package.name}.json")


def adapter() -> Adapter:
    path = getattr(settings, "TINHSO_REPORTING_ADAPTER", "tinhso.reporting.upward.FolderAdapter")
    return import_string(path)()


def document_of(submission: Submission) -> dict:
    """The report as data: its identity, period with cut-off dates, and every approved value (or kept total)."""
    regime, unit = submission.regime, submission.unit
    period = period_of(regime, submission.period)
    values = [
        {
            "indicator": cell.code,
            "breakdown": cell.disaggregation,
            "kind": cell.kind,
            "value": _number(cell.value),
            "obs_status": cell.obs_status,
        }
        for cell in sorted(
            selectors.held_cells(submission=submission.pk, with_value=True),
            key=lambda cell: (cell.code, cell.disaggregation, cell.kind),
        )
    ]
    if not values:
        values = [
            {
                "indicator": code,
                "breakdown": part,
                "kind": "period",
                "value": format(value.normalize(), "f"),
                "obs_status": "A",
            }
            for code, part, value in Aggregate.objects.filter(
                regime=regime, period=submission.period, unit=unit
            )
            .order_by("indicator_version__indicator__code", "disaggregation")
            .values_list("indicator_version__indicator__code", "disaggregation", "value")
        ]
    return {
        "regime": regime.code,
        "title": regime.title,
        "legal_basis": regime.legal_basis,
        "period": submission.period,
        "cutoff": [period.first_day.isoformat(), period.last_day.isoformat()],
        "unit": {"code": unit.code, "name": unit.name},
        "revision": submission.revision,
        "approved_at": submission.decided_at.isoformat() if submission.decided_at else None,
        "narrative": submission.narrative,
        "values": values,
    }


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@cache
def _font_files() -> dict[str, str]:
    return {"": str(fontpkg.path("Be Vietnam Pro", 400)), "B": str(fontpkg.path("Be Vietnam Pro", 700))}


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


def pdf_of(document: dict, sha256: str) -> bytes:
    sheet = FPDF(unit="mm", format="A4")
    for style, path in _font_files().items():
        sheet.add_font(FONT, style, path)
    sheet.set_margins(left=30, top=20, right=15)
    sheet.add_page()
    sheet.set_font(FONT, "B", 13)
    sheet.multi_cell(0, 7, _nfc(document["title"]), align="C", new_x="LMARGIN", new_y="NEXT")
    sheet.set_font(FONT, "", 10.5)
    sheet.multi_cell(0, 6, _nfc(f"{document['unit']['name']} · Kỳ {document['period']} "
                                f"({document['cutoff'][0]} – {document['cutoff'][1]})"), align="C", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    sheet.ln(3)
    for item in document["values"]:
        label = item["indicator"] + (f".{item['breakdown']}" if item["breakdown"] else "")
        sheet.cell(60, 6, _nfc(f"{label} ({item['kind']})"))
        sheet.cell(0, 6, _nfc(f"{item['value']}  [{item['obs_status']}]"), new_x="LMARGIN", new_y="NEXT")
    for code, text in sorted(document["narrative"].items()):
        sheet.multi_cell(0, 6, _nfc(f"{code}. {text}"), new_x="LMARGIN", new_y="NEXT")
    sheet.ln(4)
    sheet.set_font(FONT, "", 8)
    sheet.multi_cell(0, 4, f"SHA-256 (JSON): {sha256}", new_x="LMARGIN", new_y="NEXT")
    out = BytesIO()
    sheet.output(out)
    return out.getvalue()


def package_of(submission: Submission) -> Package:
    document = document_of(submission)
    canonical = canonical_json(document).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    name = f"{document['regime']}_{document['period']}_{document['unit']['code']}_r{document['revision']}"
    return Package(
        name=name,
        document=json.loads(canonical),
        canonical=canonical,
        sha256=digest,
        pdf=pdf_of(document, digest),
    )
