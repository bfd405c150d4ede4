"""Bank statements and providers' transaction files as imported by officials (CSV or XLSX): rows read by their
column names, amounts in whole đồng. Banks name their columns differently, so each field has its usual names."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from unidecode import unidecode

from tinhso.core.errors import InvalidInput

MAX_ROWS = 20_000
# Each field of a statement row, and the column titles banks give it (compared without diacritics or case).
STATEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "booked_on": ("ngay", "ngay giao dich", "ngay hach toan", "date", "booking date"),
    "amount": ("so tien", "so tien ghi co", "ghi co", "credit", "amount"),
    "description": ("noi dung", "dien giai", "noi dung chuyen khoan", "mo ta", "description"),
    "bank_ref": ("so tham chieu", "ma giao dich", "so but toan", "reference", "transaction id"),
}
# The normalised transaction file of a provider (one row per gateway transaction, ";"-separated).
PROVIDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "provider": ("provider",),
    "transaction_no": ("provider_txn_no",),
    "reference": ("merchant_ref",),
    "amount": ("amount_vnd",),
    "status": ("status",),
    "paid_on": ("paid_at",),
}
REFERENCE = re.compile(r"TS[A-HJ-NP-Z2-9]{10}")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def amount(self) -> int | None:
        return whole_dong(self.values.get("amount", ""))


def title_key(title: object) -> str:
    return " ".join(unidecode(str(title or "")).lower().split())


def whole_dong(text: str) -> int | None:
    """ "200.000", "200,000", "200000" or "200000.0" as 200000; None when it is not a whole amount."""
    cleaned = str(text).strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", cleaned):  # grouped thousands, as Vietnamese banks print them
        return int(re.sub(r"[.,]", "", cleaned))
    if re.fullmatch(r"\d+(\.0+)?", cleaned):  # a spreadsheet's number
        return int(cleaned.split(".")[0])
    return None


def _cells(name: str, content: bytes) -> list[list[str]]:
    if name.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise _unreadable() from error
        return [[_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)][: MAX_ROWS + 1]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _unreadable() from error
    delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))[: MAX_ROWS + 1]


def _text(cell: object) -> str:
    if isinstance(cell, datetime | date):
        return cell.strftime("%d/%m/%Y")
    return "" if cell is None else str(cell)


def _unreadable() -> InvalidInput:
    return InvalidInput.on(
        "file", _("Không đọc được tệp; cần tệp CSV (UTF-8) hoặc XLSX."), code="unreadable_statement"
    )


def read(*, name: str, content: bytes, columns: dict[str, tuple[str, ...]]) -> list[Row]:
    """The rows of the file under their field names; InvalidInput naming the columns it lacks."""
    cells = [row for row in _cells(name, content) if any(str(cell).strip() for cell in row)]
    if not cells:
        raise _unreadable()
    titles = [title_key(title) for title in cells[0]]
    positions = {}
    for field, names in columns.items():
        found = next((titles.index(title) for title in names if title in titles), None)
        if found is not None:
            positions[field] = found
    missing = [names[0] for field, names in columns.items() if field not in positions]
    if (
        "amount" not in positions
        or ("description" in columns and "description" not in positions)
        or ("reference" in columns and "reference" not in positions)
    ):
        raise InvalidInput.on(
            "file",
            _("Tệp thiếu cột: %(columns)s."),
            params={"columns": ", ".join(missing)},
            code="statement_columns_missing",
        )
    return [
        Row(line, {field: str(row[at]).strip() if at < len(row) else "" for field, at in positions.items()})
        for line, row in enumerate(cells[1:], start=2)
    ]


def reference_in(description: str) -> str:
    """The payment code a payer kept in the transfer note, wherever the bank put spaces or prefixes."""
    found = REFERENCE.search(unidecode(description).upper().replace(" ", ""))
    return found.group(0) if found else ""
