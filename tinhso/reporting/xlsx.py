"""A form's XLSX template and reading it back: every error names its row and cell, in Vietnamese."""

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from tinhso.reporting.models import FormRow

FIRST_ROW = 6
HEADERS = (
    "STT",
    "Mã chỉ tiêu",
    "Phân tổ",
    "Tên chỉ tiêu",
    "Đơn vị tính",
    "Thực hiện kỳ báo cáo",
    "Kế hoạch năm",
    "Ghi chú",
)
MARK = "tinhso-bao-cao"  # A2 carries the form's identity: mark|regime|form|period|unit
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SheetCell:
    indicator: str
    disaggregation: str
    kind: str
    value: str | None
    comment: str | None
    row: int
    column: str


def template(*, regime: str, form: str, title: str, period: str, unit: str, unit_name: str, rows: list[FormRow],
             values: dict[tuple[str, str, str], Decimal | None]) -> bytes:  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.title = "Biểu số liệu"
    sheet["A1"] = f"{title} – {unit_name} – kỳ {period}"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = "|".join((MARK, regime, form, period, unit))
    sheet["A2"].font = Font(color="FFFFFF")
    sheet["A3"] = "Nhập số ở cột F và G (dấu phẩy thập phân: 1.234,5). Lũy kế và tỷ lệ % do hệ thống tính."
    for column, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=FIRST_ROW - 1, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    line = FIRST_ROW
    for number, row in enumerate(rows, start=1):
        version = row.indicator_version
        parts = [("", "")] + [tuple(pair) for pair in version.disaggregations]
        for disaggregation, label in parts:
            code = version.indicator.code
            sheet.append([
                number if not disaggregation else None, code, disaggregation,
                version.name if not disaggregation else f"  – {label}", version.unit_of_measure,
                _number(values.get((code, disaggregation, "period"))), _number(values.get((code, disaggregation, "plan"))), None,
            ])  # fmt: skip
            line += 1
    for letter, width in zip("ABCDEFGH", (5, 12, 10, 60, 14, 20, 16, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class SheetError(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def read(content: bytes, *, regime: str, form: str, period: str, unit: str) -> list[SheetCell]:
    """The cells of an uploaded template, or a SheetError listing every problem by row and cell."""
    if len(content) > MAX_BYTES:
        raise SheetError([_("Tệp quá lớn (tối đa 5 MB).")])
    try:
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SheetError([_("Tệp không phải bảng tính Excel (.xlsx) hợp lệ.")]) from None
    sheet = book.worksheets[0]
    identity = str(sheet["A2"].value or "").split("|")
    if len(identity) != 5 or identity[0] != MARK:
        raise SheetError([_("Bảng tính không phải mẫu tải từ hệ thống (ô A2 không có mã biểu).")])
    if identity[1:] != [regime, form, period, unit]:
        raise SheetError([
            _("Bảng tính là của biểu %(form)s, kỳ %(period)s, đơn vị %(unit)s; trang này nhận biểu %(want_form)s, "
              "kỳ %(want_period)s, đơn vị %(want_unit)s.") % {
                "form": identity[2], "period": identity[3], "unit": identity[4],
                "want_form": form, "want_period": period, "want_unit": unit,
            }
        ])  # fmt: skip
    cells = []
    for number, row in enumerate(
        sheet.iter_rows(min_row=FIRST_ROW, max_col=8, values_only=True), start=FIRST_ROW
    ):
        code = str(row[1] or "").strip()
        if not code:
            continue
        disaggregation = str(row[2] or "").strip()
        comment = None if row[7] is None else str(row[7])
        for column, kind, value in (("F", "period", row[5]), ("G", "plan", row[6])):
            if value is None and kind == "plan":
                continue
            cells.append(SheetCell(code, disaggregation, kind, None if value is None else str(value), comment if kind == "period" else None, number, column))  # fmt: skip
    return cells
