"""Tables as CSV (UTF-8 with BOM, so spreadsheet programs show Vietnamese correctly) or Excel .xlsx."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tinhso.core.errors import NotFound
from tinhso.core.formats import export_cell

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    if isinstance(value, datetime):
        # Excel keeps no time zone: the local time, to the second.
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return value


def table_response(
    *, fmt: str, name: str, title: str, header: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    if fmt not in FORMATS:
        raise NotFound(
            _("Không có định dạng “%(format)s”; chọn csv hoặc xlsx."),
            code="format_not_found",
            params={"format": fmt},
        )
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([str(name) for name in header])
        for row in rows:
            # Dates as the pages write them (06/12/2026 19:50:29), not 2026-12-06 19:50:29.891652.
            writer.writerow(["" if v is None else export_cell(v) for v in row])
        content: bytes = buffer.getvalue().encode()
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        sheet.append([str(name) for name in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, datetime | date):
                    cell.number_format = (
                        "dd/mm/yyyy hh:mm:ss" if isinstance(cell.value, datetime) else "dd/mm/yyyy"
                    )
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        output = io.BytesIO()
        workbook.save(output)
        content = output.getvalue()
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
