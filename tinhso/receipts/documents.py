"""A receipt as an A4 PDF with the content Decree 123/2020 asks of a receipt for fees and charges: the receipt
type, form symbol, series and number, the collecting unit and its tax code, each fee with its amount, the total
in figures and in words, the payer, the payment method and transaction, the date; the collecting unit's digital
signature goes on it after (tinhso.signing). Legal text, in Vietnamese whatever the reader's language."""

import unicodedata

import fontpkg
from django.utils import timezone, translation
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tinhso.core import formats
from tinhso.core.working_time import local_zone
from tinhso.receipts.models import Receipt, Status

FONT = "BeVietnamPro"
TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"


def _text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value or ""))


class _Page(FPDF):
    def __init__(self) -> None:
        super().__init__(unit="mm", format="A4")
        for style, weight in (("", 400), ("B", 700), ("I", 400)):
            self.add_font(
                FONT,
                style,
                str(fontpkg.path("Be Vietnam Pro", weight, "italic" if style == "I" else "normal")),
            )
        self.set_margins(left=20, top=18, right=15)
        self.set_creator("Tỉnh số")
        self.set_lang("vi")
        self.add_page()

    def line_of(self, label: str, value: str, *, bold: bool = False) -> None:
        self.set_font(FONT, "", 10.5)
        self.cell(52, 6.5, _text(label))
        self.set_font(FONT, "B" if bold else "", 10.5)
        self.multi_cell(0, 6.5, _text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def receipt_pdf(receipt: Receipt) -> bytes:
    series = receipt.series
    with translation.override("vi"):
        page = _Page()
        page.set_title(_text(f"{TITLE} {receipt.code}"))
        page.set_font(FONT, "B", 10.5)
        page.multi_cell(110, 5.5, _text(series.issuer_name.upper()), new_x=XPos.RIGHT, new_y=YPos.TOP)
        page.set_font(FONT, "", 9.5)
        page.multi_cell(
            0,
            5.5,
            _text(f"Mẫu số: {series.form_symbol}\nKý hiệu: {series.series}\nSố: {receipt.number:07d}"),
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        page.set_font(FONT, "", 9.5)
        page.cell(0, 5.5, _text(f"Mã số thuế: {series.issuer_tax_code}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page.ln(6)
        page.set_font(FONT, "B", 15)
        page.cell(0, 8, _text(TITLE), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page.set_font(FONT, "I", 10)
        page.cell(0, 6, _text("(Biên lai điện tử)"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if receipt.status == Status.CANCELLED:
            page.set_text_color(180, 0, 0)
            page.cell(0, 6, _text("ĐÃ HỦY"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            page.set_text_color(0)
        if receipt.replaces is not None:
            note = f"(Thay thế biên lai {receipt.replaces.code})"
            page.cell(0, 6, _text(note), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page.ln(4)
        page.line_of("Họ tên người nộp tiền:", receipt.payer_name, bold=True)
        if receipt.payer_address:
            page.line_of("Địa chỉ:", receipt.payer_address)
        page.line_of("Nộp cho hồ sơ:", receipt.dossier_code)
        page.ln(3)
        _lines_table(page, receipt)
        page.ln(3)
        page.line_of("Tổng số tiền:", formats.money(receipt.total), bold=True)
        page.line_of("Bằng chữ:", receipt.total_in_words)
        page.line_of("Hình thức thanh toán:", receipt.method)
        page.line_of("Mã giao dịch:", receipt.transaction_ref)
        page.line_of("Thời điểm nộp tiền:", formats.moment(receipt.paid_at))
        page.ln(6)
        issued = timezone.localtime(receipt.issued_at, local_zone())
        page.set_font(FONT, "I", 10.5)
        page.cell(0, 6, _text(f"Ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}"), align="R",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        page.set_font(FONT, "B", 10.5)
        page.cell(0, 6, _text("ĐƠN VỊ THU PHÍ, LỆ PHÍ"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        page.set_font(FONT, "I", 9.5)
        page.cell(0, 6, _text("(Chữ ký số của đơn vị)"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return bytes(page.output())


def _lines_table(page: _Page, receipt: Receipt) -> None:
    page.set_font(FONT, "B", 10)
    with page.table(col_widths=(12, 100, 25, 38), text_align=("CENTER", "LEFT", "CENTER", "RIGHT")) as table:
        table.row([_text(h) for h in ("STT", "Tên khoản phí, lệ phí", "Loại", "Số tiền")])
        page.set_font(FONT, "", 10)
        for order, line in enumerate(receipt.lines, start=1):
            table.row(
                [str(order), _text(line["name"]), _text(line["kind"]), _text(formats.money(line["amount"]))]
            )
