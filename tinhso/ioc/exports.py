"""Tables as CSV (UTF-8 with BOM, so spreadsheet programs show Vietnamese correctly) or Excel .xlsx."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from tinhso.core.errors import NotFound

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def table_response(
    *, fmt: str, name: str, title: str, header: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    if fmt not in FORMATS:
        raise NotFound(f"Không có định dạng “{fmt}”; chọn csv hoặc xlsx.", code="format_not_found")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else (_cell(v).isoformat(sep=" ") if isinstance(v, datetime) else v)
                    for v in row
                ]
            )
        content: bytes = buffer.getvalue().encode()
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        output = io.BytesIO()
        workbook.save(output)
        content = output.getvalue()
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
