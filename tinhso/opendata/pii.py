"""The personal-data guard: what in a table's columns or values looks like personal data (Decree 13/2023 and
Decree 356/2025's basic personal data). Column names are folded before matching; values are matched when they
are text (a number with a leading zero, such as a citizen ID or a phone number, is loaded as text)."""

import re
from collections.abc import Container, Sequence
from dataclasses import asdict, dataclass

from django.utils.translation import gettext_lazy as _

from tinhso.opendata.text import fold

# Folded column names (spaces and underscores alike) and what they name.
COLUMN_WORDS = {
    "full_name": ("ho ten", "hoten", "ho va ten", "ten nguoi", "full name", "fullname", "ten cong dan"),
    "birth_date": ("ngay sinh", "ngaysinh", "nam sinh", "date of birth", "birth date", "dob"),
    "citizen_id": ("cccd", "cmnd", "can cuoc", "so dinh danh", "chung minh", "ho chieu", "passport"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "phone", "di dong"),
    "address": ("dia chi", "address", "noi o", "thuong tru", "tam tru"),
    "email": ("email", "e mail", "thu dien tu"),
    "tax_code": ("ma so thue", "mst", "tax code"),
    "insurance": ("bhxh", "bhyt", "bao hiem xa hoi", "bao hiem y te"),
    "plate": ("bien so", "bien kiem soat", "bks"),
}
VALUE_PATTERNS = {
    "citizen_id": re.compile(r"(?<!\d)0\d{11}(?!\d)|(?<!\d)\d{9}(?!\d)"),
    "phone": re.compile(r"(?<![\d+])(?:\+?84|0)(?:[35789]\d{8}|2\d{9})(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "tax_code": re.compile(r"(?<!\d)\d{10}(?:-\d{3})?(?!\d)"),
    "plate": re.compile(r"(?<![\w])\d{2}[A-Z][A-Z0-9]?[- ]?\d{3}\.?\d{2}(?![\w])"),
}
# One pass over a value for every pattern (the loader scans every text cell of a file).
ANY_PATTERN = re.compile(
    "|".join(f"(?P<{kind}>{pattern.pattern})" for kind, pattern in VALUE_PATTERNS.items())
)
KIND_NAMES = {
    "full_name": _("họ tên"),
    "birth_date": _("ngày sinh"),
    "citizen_id": _("số định danh cá nhân (CCCD/CMND)"),
    "phone": _("số điện thoại"),
    "address": _("địa chỉ"),
    "email": _("thư điện tử"),
    "tax_code": _("mã số thuế"),
    "insurance": _("số bảo hiểm"),
    "plate": _("biển số xe"),
}
CANDIDATE = re.compile(r"\d\d|@")  # what every pattern above holds
# A value that matched, kept in a finding only masked, so the finding itself holds no personal data.
VALUES_KEPT = 20


@dataclass(frozen=True)
class Finding:
    kind: str
    column: str
    row: int | None  # the file's row number for a value, None for a column's name
    sample: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _words(name: str) -> str:
    return " " + fold(name.replace("_", " ").replace("-", " ")) + " "


def column_findings(columns: list[str]) -> list[Finding]:
    found = []
    for column in columns:
        folded = _words(column)
        for kind, names in COLUMN_WORDS.items():
            if any(f" {name} " in folded for name in names):
                found.append(Finding(kind, column, None))
                break
    return found


def mask(value: str) -> str:
    return value[:2] + "…" + value[-2:] if len(value) > 4 else "…"


def block_findings(
    cells: Sequence[str | None], *, column: str, numbers: Sequence[int], skip: Container[int]
) -> list[Finding]:
    """The findings in a block of a column's cells (rows numbered by `numbers`), at most one per distinct
    value, at its first row not in `skip`: every pattern needs two digits or an "@", so a block without them
    is passed over whole, and the others are searched joined by NUL, which no pattern spans."""
    distinct = [value for value in set(cells) if value]
    joined = "\x00".join(distinct)
    if CANDIDATE.search(joined) is None:
        return []
    found = []
    last = -1
    for match in ANY_PATTERN.finditer(joined):
        index = joined.count("\x00", 0, match.start())
        if index == last or match.lastgroup is None:
            continue
        last = index
        positions = [at for at, cell in enumerate(cells) if cell == distinct[index] and at not in skip]
        if positions:
            found.append(
                (positions[0], Finding(match.lastgroup, column, numbers[positions[0]], mask(match.group())))
            )
    return [finding for _, finding in sorted(found, key=lambda item: item[0])]


def describe(finding: dict) -> str:
    """A finding in words, for the reviewer."""
    kind = KIND_NAMES.get(finding["kind"], finding["kind"])
    if finding.get("row") is None:
        return str(_("cột “%(column)s” có tên là %(kind)s") % {"column": finding["column"], "kind": kind})
    return str(
        _("dòng %(row)s, cột “%(column)s”: giá trị giống %(kind)s (%(sample)s)")
        % {"row": finding["row"], "column": finding["column"], "kind": kind, "sample": finding["sample"]}
    )
