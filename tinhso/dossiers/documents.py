"""The dossier documents of Circular 03/2025/TT-VPCP (forms 1–6) as PDF bytes, read from a dossier and its events.

Pure reads: nothing is written. The text is not passed through gettext: these are legal documents whose
wording the Circular fixes in Vietnamese, whatever the reader's interface language. Every page carries the line Decree 45/2020 asks of a paper print of an
electronic record: the system's name, the dossier code and where the print can be verified.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

import fontpkg
import segno
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from tinhso.core import caching
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import NotFound
from tinhso.core.models import AdminUnit, Event, User
from tinhso.core.working_time import add_working_time, local_zone
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers.models import Channel, Dossier
from tinhso.dossiers.selectors import PUBLIC_ACTIONS, events_of
from tinhso.dossiers.services import ACKNOWLEDGE_HOURS

FONT = "BeVietnamPro"
SYSTEM_NAME = "Hệ thống thông tin giải quyết thủ tục hành chính"
QR_SCALE = 8  # pixels per QR module in the embedded image, so no viewer blurs the modules
QR_BORDER = 4  # the quiet zone, in modules, that QR readers need
QR_SIZE_MM = 32
HEAD_OF_AGENCY = "THỦ TRƯỞNG CƠ QUAN"
SEAL_NOTE = "(Ký, ghi rõ họ tên và đóng dấu)"

# Events that end a hand-over: the dossier leaves the hands that held it.
CLOSING = {
    dossier_events.ACCEPTED,
    dossier_events.REFUSED,
    dossier_events.FORWARDED,
    dossier_events.SENT_BACK,
    dossier_events.FINISHED,
    dossier_events.RETURNED,
    dossier_events.STOPPED,
    dossier_events.WITHDRAWN,
}
# Events that hand the dossier to the step named in their payload.
ENTERING = {
    dossier_events.ACCEPTED,
    dossier_events.FORWARDED,
    dossier_events.SENT_BACK,
    dossier_events.FINISHED,
}


# ---- formatting ------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """NFC, so every Vietnamese letter maps to one precomposed glyph of the font."""
    return unicodedata.normalize("NFC", str(value or ""))


def _local(instant: datetime) -> datetime:
    return timezone.localtime(instant, local_zone())


def _date(instant: datetime | None) -> str:
    return _local(instant).strftime("%d/%m/%Y") if instant else "—"


def _moment(instant: datetime | None) -> str:
    """“09 giờ 30 phút, ngày 10/03/2026”, the way the forms write a time."""
    if instant is None:
        return "—"
    local = _local(instant)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def _short(instant: datetime | None) -> str:
    return _local(instant).strftime("%H:%M %d/%m/%Y") if instant else "—"


def _place_date(place: str, instant: datetime) -> str:
    """Decree 30/2020: day below 10 and months 1–2 take a leading zero (“ngày 05 tháng 02 năm 2026”)."""
    local = _local(instant)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"{place}, ngày {local.day:02d} tháng {month} năm {local.year}"


def _instant(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


# ---- who is who ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    salutation: str
    address: str
    phone: str
    citizen_id: str


def _applicant(user: User) -> Person:
    """The applicant's identity from the population registry, the account when the registry has none."""
    identity = core_selectors.identity_of(user.citizen_id) if user.citizen_id else None
    sex = identity.sex if identity else ""
    return Person(
        name=identity.full_name if identity else user.display_name,
        salutation={"M": "Ông", "F": "Bà"}.get(sex, "Ông/Bà"),
        address=identity.permanent_address if identity else "",
        phone=user.phone,
        citizen_id=user.citizen_id or "",
    )


def _issuer(unit: AdminUnit) -> list[tuple[str, bool]]:
    """The two header lines of the issuing body: its governing body, then itself in bold."""
    parent = unit.parent
    if unit.category == "UBND" and parent is not None:
        return [("ỦY BAN NHÂN DÂN", True), (parent.name.upper(), True)]
    if parent is not None and parent.kind == AdminUnit.Kind.PROVINCE:
        own = unit.name.removesuffix(f" {_lower_first(parent.name)}")
        return [(f"ỦY BAN NHÂN DÂN {parent.name.upper()}", False), (own.upper(), True)]
    return [(unit.name.upper(), True)]


def _events(dossier: Dossier) -> list[Event]:
    return list(events_of(dossier).select_related("actor"))


def _latest(dossier: Dossier, action: str, missing: str) -> Event:
    event = events_of(dossier).filter(action=action).select_related("actor").order_by("-seq").first()
    if event is None:
        raise NotFound(missing, code="document_not_available", value=dossier.code)
    return event


def _actor_name(event: Event | None) -> str:
    return event.actor.display_name if event and event.actor else ""


# ---- page ------------------------------------------------------------------------------------------


@caching.memo("dossiers.font_files", maxsize=1)
def _font_files() -> dict[str, str]:
    family = "Be Vietnam Pro"
    return {
        "": str(fontpkg.path(family, 400)),
        "B": str(fontpkg.path(family, 700)),
        "I": str(fontpkg.path(family, 400, "italic")),
        "BI": str(fontpkg.path(family, 700, "italic")),
    }


class Sheet(FPDF):
    """An A4 page of an administrative document, with the Decree 45/2020 line at the foot of every page."""

    def __init__(self, *, dossier: Dossier, title: str, tracking_url: str, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for style, path in _font_files().items():
            self.add_font(FONT, style, path)
        # Decree 30/2020 margins: top and bottom 20 mm, left 30 mm, right 15 mm.
        self.set_margins(left=30 if orientation == "P" else 20, top=20, right=15)
        self.set_auto_page_break(auto=True, margin=22)
        self.province = core_selectors.province_unit()
        self.system_name = f"{SYSTEM_NAME} {_lower_first(self.province.name)}"
        self.tracking_url = tracking_url
        self.system_line = f"Bản in từ {self.system_name} · Mã hồ sơ: {dossier.code} · " + (
            f"Tra cứu, xác minh tại: {tracking_url}" if tracking_url else "Tra cứu, xác minh bằng mã hồ sơ"
        )
        self.set_title(_text(title))
        self.set_subject(_text(f"Mã hồ sơ {dossier.code}"))
        self.set_author(_text(self.system_name))
        self.set_creator("Tỉnh số")
        self.set_lang("vi")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-17)
        self.set_font(FONT, "I", 7.5)
        self.set_text_color(80)
        self.multi_cell(0, 3.5, _text(self.system_line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 3.5, f"Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)

    # -- building blocks --

    def header_block(self, *, unit: AdminUnit, number: str, issued_at: datetime) -> None:
        """Left: issuing body and number; right: the national title, motto and place-date (Decree 30/2020)."""
        top = self.get_y()
        left_w = 78 if self.w < self.h else 110
        right_x = self.l_margin + left_w + 3
        right_w = self.epw - left_w - 3
        self.set_xy(self.l_margin, top)
        for line, bold in _issuer(unit):
            self.set_font(FONT, "B" if bold else "", 10)
            self.multi_cell(left_w, 5, _text(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._rule(self.l_margin + left_w / 2, self.get_y() + 1.5, 22)
        left_bottom = self.get_y() + 3
        self.set_xy(right_x, top)
        self.set_font(FONT, "B", 10.5)
        self.cell(
            right_w, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        self.set_font(FONT, "B", 11.5)
        self.cell(right_w, 5.5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        motto_width = self.get_string_width("Độc lập - Tự do - Hạnh phúc")
        self._rule(right_x + right_w / 2, self.get_y() + 0.8, motto_width)
        right_bottom = self.get_y() + 3
        y = max(left_bottom, right_bottom) + 1
        self.set_xy(self.l_margin, y)
        self.set_font(FONT, "", 10)
        self.cell(left_w, 5, _text(f"Số: {number}"), align="C")
        self.set_xy(right_x, y)
        self.set_font(FONT, "I", 10.5)
        self.cell(right_w, 5, _text(_place_date(self.province.short_name, issued_at)), align="C")
        self.set_xy(self.l_margin, y + 11)

    def _rule(self, centre_x: float, y: float, width: float) -> None:
        self.set_line_width(0.3)
        self.line(centre_x - width / 2, y, centre_x + width / 2, y)

    def title_block(self, title: str, *subtitles: str) -> None:
        self.set_font(FONT, "B", 13.5)
        self.multi_cell(0, 7, _text(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in subtitles:
            self.set_font(FONT, "I", 10.5)
            self.multi_cell(0, 5.5, _text(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def field(self, label: str, value: str, *, bold: bool = True) -> None:
        """“Label: value”, the value in bold, wrapping under the label like a filled-in form."""
        self.set_x(self.l_margin)
        self.set_font(FONT, "", 11)
        self.write(6, _text(f"{label}: "))
        self.set_font(FONT, "B" if bold else "", 11)
        self.write(6, _text(value) or "…")
        self.ln(6.6)

    def paragraph(self, text: str, *, style: str = "", indent: float = 0, size: float = 11) -> None:
        self.set_x(self.l_margin + indent)
        self.set_font(FONT, style, size)
        self.multi_cell(self.epw - indent, 6, _text(text), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(0.8)

    def table_block(
        self,
        heading: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float = 10,
    ) -> None:
        self.set_font(FONT, "", size)
        with self.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=size * 0.5,
            padding=1.2,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        ) as table:
            head = table.row()
            for text in heading:
                head.cell(_text(text), align="CENTER")
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(_text(text))
        self.ln(3)

    def signatures(self, blocks: Sequence[tuple[str, str]]) -> None:
        """Signature columns: title, what to sign with, room to sign, then the name on record; an empty
        title leaves its column blank, so a single signer stands on the right as the forms have it."""
        if self.will_page_break(36):
            self.add_page()
        self.ln(3)
        top = self.get_y()
        width = self.epw / len(blocks)
        for index, (title, name) in enumerate(blocks):
            if not title:
                continue
            x = self.l_margin + index * width
            self.set_xy(x, top)
            self.set_font(FONT, "B", 11)
            self.multi_cell(width, 5.5, _text(title), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
            note = SEAL_NOTE if title == HEAD_OF_AGENCY else "(Ký và ghi rõ họ tên)"
            self.set_font(FONT, "I", 10)
            self.cell(width, 5, note, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_xy(x, top + 26)
            self.set_font(FONT, "B", 11)
            self.cell(width, 5.5, _text(name), align="C")
        self.set_xy(self.l_margin, top + 33)

    def qr_beside(self) -> float:
        """Puts the QR code of the tracking page at the right edge and narrows the text beside it.

        Returns the height below which the full width is free again (see `end_beside`)."""
        top = self.get_y()
        x = self.w - self.r_margin - QR_SIZE_MM
        self.image(qr_png(self.tracking_url), x=x, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM)
        self.set_xy(x - 4, top + QR_SIZE_MM)
        self.set_font(FONT, "I", 8)
        self.multi_cell(QR_SIZE_MM + 8, 3.6, "Quét mã để tra cứu, xác minh hồ sơ", align="C")
        self.set_xy(self.l_margin, top)
        self.set_right_margin(self.r_margin + QR_SIZE_MM + 5)
        return top + QR_SIZE_MM + 9

    def end_beside(self, bottom: float, right_margin: float) -> None:
        self.set_right_margin(right_margin)
        self.set_y(max(self.get_y(), bottom))

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def qr_png(url: str) -> BytesIO:
    """The tracking URL as a QR code (error correction M), one module = QR_SCALE black or white pixels."""
    buffer = BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    buffer.seek(0)
    return buffer


def _dossier_lines(sheet: Sheet, dossier: Dossier, person: Person) -> None:
    sheet.field("Mã hồ sơ", dossier.code)
    sheet.field(f"Hồ sơ của {person.salutation}", person.name)
    if person.citizen_id:
        sheet.field("Số định danh cá nhân", person.citizen_id, bold=False)
    sheet.field("Địa chỉ", person.address, bold=False)
    if person.phone:
        sheet.field("Số điện thoại", person.phone, bold=False)
    procedure = dossier.procedure
    sheet.field("Nội dung yêu cầu giải quyết", f"{procedure.name} (mã thủ tục {procedure.code})")


def _processing_time(dossier: Dossier) -> str:
    procedure = dossier.procedure
    if procedure.processing_days:
        return f"{procedure.processing_days} ngày làm việc"
    hours = procedure.processing_hours.normalize()
    return f"{hours:f} giờ làm việc"


# ---- form 1: receipt -------------------------------------------------------------------------------


def _form_sheet(
    dossier: Dossier,
    *,
    form: int,
    title: str,
    suffix: str,
    unit: AdminUnit,
    issued_at: datetime,
    tracking_url: str,
    orientation: str = "P",
    attached_to: str = "",
) -> Sheet:
    """A sheet opened with the national header, the issuing unit, the document number and the form's title."""
    sheet = Sheet(dossier=dossier, title=title, tracking_url=tracking_url, orientation=orientation)
    sheet.header_block(unit=unit, number=f"{dossier.code}/{suffix}", issued_at=issued_at)
    subtitles = [f"(Mẫu số {form:02d} – Thông tư số 03/2025/TT-VPCP)"] + (
        [attached_to] if attached_to else []
    )
    sheet.title_block(title, *subtitles)
    return sheet


def receipt_pdf(dossier: Dossier, *, tracking_url: str) -> bytes:
    """Form 1: Giấy tiếp nhận hồ sơ và hẹn trả kết quả, with a QR code of `tracking_url`."""
    person = _applicant(dossier.applicant)
    unit = dossier.receiving_unit
    sheet = _form_sheet(
        dossier,
        form=1,
        title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        suffix="TNHS",
        unit=unit,
        issued_at=dossier.accepted_at or dossier.submitted_at,
        tracking_url=tracking_url,
    )
    right_margin = sheet.r_margin
    qr_bottom = sheet.qr_beside()
    sheet.paragraph(f"{unit.name} tiếp nhận hồ sơ của:")
    _dossier_lines(sheet, dossier, person)
    sheet.end_beside(qr_bottom, right_margin)

    sheet.paragraph("1. Thành phần hồ sơ nộp gồm:", style="B")
    rows = []
    for number, document in enumerate(dossier.procedure.documents.order_by("order"), start=1):
        if document.reusable_from:
            note = f"{document.get_reusable_from_display()}, không yêu cầu nộp lại"
        else:
            note = "" if document.mandatory else "Nếu có"
        rows.append([str(number), document.name, document.get_form_display(), note])
    sheet.table_block(["STT", "Tên giấy tờ", "Hình thức", "Ghi chú"], rows, (8, 52, 20, 20))

    sheet.paragraph(f"2. Hình thức nộp hồ sơ: {Channel(dossier.channel).label}.")
    sheet.paragraph(f"3. Thời gian giải quyết hồ sơ theo quy định: {_processing_time(dossier)}.")
    sheet.paragraph(f"4. Thời gian nhận hồ sơ: {_moment(dossier.accepted_at or dossier.submitted_at)}.")
    if dossier.promised_at:
        sheet.set_font(FONT, "", 11)
        sheet.write(6, "5. Thời gian trả kết quả giải quyết hồ sơ (ngày hẹn trả): ")
        sheet.set_font(FONT, "B", 11)
        sheet.write(6, _text(_moment(dossier.promised_at)) + ".")
        sheet.ln(7)
    else:
        due = f"; hạn tiếp nhận: {_moment(dossier.acknowledge_due_at)}" if dossier.acknowledge_due_at else ""
        sheet.paragraph(
            "5. Thời gian trả kết quả giải quyết hồ sơ: được xác định khi cán bộ một cửa tiếp nhận hồ sơ"
            f"{due}."
        )
    sheet.paragraph(f"6. Nhận kết quả tại: {unit.name} hoặc trên Cổng dịch vụ công, bằng mã hồ sơ.")
    accepted = events_of(dossier).filter(action=dossier_events.ACCEPTED).select_related("actor").first()
    sheet.signatures([("NGƯỜI NỘP HỒ SƠ", person.name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", _actor_name(accepted))])
    return sheet.to_bytes()


# ---- forms 2–5: notices carrying a reason ----------------------------------------------------------


def supplement_request_pdf(dossier: Dossier, *, tracking_url: str = "") -> bytes:
    """Form 2: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, from the latest supplement request."""
    event = _latest(dossier, dossier_events.SUPPLEMENT_REQUESTED, "Hồ sơ này chưa có yêu cầu bổ sung.")
    person = _applicant(dossier.applicant)
    unit = dossier.receiving_unit if event.payload.get("from") == 1 else dossier.authority_unit
    sheet = _form_sheet(
        dossier,
        form=2,
        title="PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        suffix="BSHS",
        unit=unit,
        issued_at=event.occurred_at,
        tracking_url=tracking_url,
    )
    _dossier_lines(sheet, dossier, person)
    sheet.field("Ngày nộp hồ sơ", _date(dossier.submitted_at), bold=False)
    sheet.paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", style="B")
    sheet.paragraph(event.payload.get("reason", ""), indent=6)
    sheet.paragraph(
        f"Thời hạn giải quyết hồ sơ tạm dừng từ {_moment(event.occurred_at)} cho đến khi "
        f"{person.salutation} bổ sung đủ hồ sơ. {person.salutation} bổ sung trực tuyến trên Cổng dịch vụ "
        f"công bằng mã hồ sơ {dossier.code} hoặc tại {dossier.receiving_unit.name}."
    )
    sheet.paragraph(
        f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, {person.salutation} liên hệ "
        f"{dossier.receiving_unit.name} để được hướng dẫn."
    )
    sheet.paragraph("Xin trân trọng cảm ơn!", style="I")
    sheet.signatures([("", ""), ("NGƯỜI HƯỚNG DẪN", _actor_name(event))])
    return sheet.to_bytes()


def refusal_pdf(dossier: Dossier, *, tracking_url: str = "") -> bytes:
    """Form 3: Phiếu từ chối tiếp nhận giải quyết hồ sơ, with the reason recorded at the refusal."""
    event = _latest(dossier, dossier_events.REFUSED, "Hồ sơ này không bị từ chối tiếp nhận.")
    person = _applicant(dossier.applicant)
    unit = dossier.receiving_unit
    sheet = _form_sheet(
        dossier,
        form=3,
        title="PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        suffix="TCHS",
        unit=unit,
        issued_at=event.occurred_at,
        tracking_url=tracking_url,
    )
    sheet.paragraph(f"{unit.name} tiếp nhận hồ sơ của:")
    _dossier_lines(sheet, dossier, person)
    sheet.field("Ngày nộp hồ sơ", _moment(dossier.submitted_at), bold=False)
    sheet.paragraph(
        f"Qua xem xét, {unit.name} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:"
    )
    sheet.paragraph(event.payload.get("reason", ""), style="B", indent=6)
    sheet.paragraph(f"Xin thông báo cho {person.salutation} được biết và thực hiện./.")
    sheet.signatures([("", ""), ("NGƯỜI TIẾP NHẬN HỒ SƠ", _actor_name(event))])
    return sheet.to_bytes()


def apology_pdf(dossier: Dossier, *, tracking_url: str = "") -> bytes:
    """Form 4: apology with a new return date, from the latest apology's reason and dates."""
    event = _latest(
        dossier, dossier_events.APOLOGIZED, "Hồ sơ này chưa có văn bản xin lỗi, hẹn lại ngày trả."
    )
    person = _applicant(dossier.applicant)
    unit = dossier.authority_unit
    previous = _instant(event.payload.get("previous_promised_at"))
    new = _instant(event.payload.get("promised_at"))
    sheet = _form_sheet(
        dossier,
        form=4,
        title="VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        suffix="XL",
        unit=unit,
        issued_at=event.occurred_at,
        tracking_url=tracking_url,
    )
    _addressed(sheet, dossier, person, received_on=dossier.accepted_at)
    sheet.paragraph(f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {_moment(previous)}.")
    sheet.paragraph(
        f"Tuy nhiên đến nay, {unit.name} chưa thể trả kết quả giải quyết hồ sơ của {person.salutation} "
        "đúng hẹn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, với lý do:"
    )
    sheet.paragraph(event.payload.get("reason", ""), style="B", indent=6)
    sheet.paragraph(
        f"Sự chậm trễ này đã gây phiền hà cho {person.salutation}. {unit.name} xin lỗi "
        f"{person.salutation} và hẹn trả kết quả giải quyết hồ sơ vào:"
    )
    sheet.paragraph(_moment(new), style="B", indent=6)
    sheet.paragraph("Xin trân trọng cảm ơn!", style="I")
    sheet.signatures([("", ""), (HEAD_OF_AGENCY, _actor_name(event))])
    return sheet.to_bytes()


def _addressed(sheet: Sheet, dossier: Dossier, person: Person, *, received_on: datetime | None) -> None:
    """The letters' opening (forms 4 and 5): to whom, and which dossier was received when."""
    sheet.set_font(FONT, "", 11)
    sheet.cell(0, 7, _text(f"Kính gửi: {person.salutation} {person.name}"), align="C")
    sheet.ln(10)
    sheet.paragraph(
        f"Ngày {_date(received_on)}, {dossier.receiving_unit.name} tiếp nhận hồ sơ của "
        f"{person.salutation} {person.name} đề nghị giải quyết thủ tục hành chính: "
        f"{dossier.procedure.name}; mã hồ sơ: {dossier.code}."
    )


def stop_notice_pdf(dossier: Dossier, *, tracking_url: str = "") -> bytes:
    """Form 5: Thông báo dừng giải quyết hồ sơ, with the reason recorded when handling stopped."""
    event = _latest(dossier, dossier_events.STOPPED, "Hồ sơ này không bị dừng giải quyết.")
    person = _applicant(dossier.applicant)
    unit = dossier.authority_unit
    sheet = _form_sheet(
        dossier,
        form=5,
        title="THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        suffix="DGQ",
        unit=unit,
        issued_at=event.occurred_at,
        tracking_url=tracking_url,
    )
    _addressed(sheet, dossier, person, received_on=dossier.accepted_at or dossier.submitted_at)
    sheet.paragraph(
        f"{unit.name} thông báo dừng giải quyết hồ sơ nêu trên kể từ {_moment(event.occurred_at)}, với lý do:"
    )
    sheet.paragraph(event.payload.get("reason", ""), style="B", indent=6)
    sheet.paragraph(
        f"{person.salutation} liên hệ {dossier.receiving_unit.name} để nhận lại hồ sơ đã nộp (nếu có) "
        "và được hướng dẫn./."
    )
    sheet.signatures([("", ""), (HEAD_OF_AGENCY, _actor_name(event))])
    return sheet.to_bytes()


# ---- form 6: control sheet -------------------------------------------------------------------------


@dataclass
class HandOver:
    """One stretch of the dossier in someone's hands: who gave it, who took it, when, due, done."""

    giver: str
    receiver: str
    received_at: datetime
    due_at: datetime | None
    done_at: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def on_time(self) -> bool | None:
        """None while it is still in hand, or when the stretch had no deadline."""
        if self.due_at is None or self.done_at is None:
            return None
        return self.done_at <= self.due_at

    def verdict(self, now: datetime) -> str:
        if self.due_at is None:
            return "Không có hạn" if self.done_at else "Đang xử lý"
        if self.done_at is None:
            return "Đang xử lý, đã quá hạn" if now > self.due_at else "Đang xử lý, trong hạn"
        return "Đúng hạn" if self.on_time else "Quá hạn"


def hand_overs(dossier: Dossier) -> list[HandOver]:
    """Every hand-over of the dossier, rebuilt from its event chain (the source of form 6)."""
    events = _events(dossier)
    steps = {step.order: step for step in dossier.procedure.steps.all()}
    codes = {event.payload.get("unit") for event in events} - {None}
    units = {unit.code: unit.name for unit in AdminUnit.objects.filter(code__in=codes)}
    desk = f"Bộ phận một cửa – {dossier.receiving_unit.name}"
    applicant = _applicant(dossier.applicant).name
    rows: list[HandOver] = []
    current: HandOver | None = None
    holder = desk
    for event in events:
        payload = event.payload
        actor = _actor_name(event)
        if event.action == dossier_events.SUBMITTED:
            due = _instant(payload.get("acknowledge_due_at"))
            current = HandOver(f"{applicant}\n(người nộp hồ sơ)", desk, event.occurred_at, due)
            holder = desk
            continue
        if current is None:
            continue
        if event.action in CLOSING:
            current.done_at = event.occurred_at
            note = PUBLIC_ACTIONS.get(event.action, event.action)
            reason = payload.get("reason") or payload.get("note")
            current.notes.append(f"{note}: {reason}" if reason else note)
            rows.append(current)
            previous_holder, current = holder, None
            if event.action in ENTERING and payload.get("step") is not None:
                step = steps.get(payload["step"])
                unit = units.get(payload.get("unit"), payload.get("unit") or "")
                holder = f"{step.name if step else payload['step']}\n{unit}"
                giver = f"{actor}\n{previous_holder.splitlines()[-1]}" if actor else previous_holder
                current = HandOver(giver, holder, event.occurred_at, _instant(payload.get("step_due_at")))
            continue
        if event.action == dossier_events.SUPPLEMENT_REQUESTED:
            current.notes.append(f"Yêu cầu bổ sung: {payload.get('reason', '')}")
        elif event.action == dossier_events.SUPPLEMENT_ANSWERED:
            paused = f"{payload.get('paused_hours', 0):g}".replace(".", ",")  # Vietnamese decimal comma
            current.notes.append(f"Công dân bổ sung; tạm dừng {paused} giờ làm việc")
            if payload.get("step") is not None:
                current.due_at = _instant(payload.get("step_due_at"))
            elif dossier.channel == Channel.ONLINE:
                # Before acceptance the 8-hour acknowledgement clock starts over from the answer.
                current.due_at = add_working_time(event.occurred_at, hours=ACKNOWLEDGE_HOURS)
        elif event.action == dossier_events.APOLOGIZED:
            current.notes.append(f"Xin lỗi, hẹn lại ngày trả {_date(_instant(payload.get('promised_at')))}")
    if current is not None:
        rows.append(current)
    return rows


def control_sheet_pdf(dossier: Dossier, *, tracking_url: str = "") -> bytes:
    """Form 6: Phiếu kiểm soát quá trình giải quyết hồ sơ — every hand-over, on time or late."""
    now = timezone.now()
    sheet = _form_sheet(
        dossier,
        form=6,
        title="PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        suffix="KSQT",
        unit=dossier.receiving_unit,
        issued_at=now,
        tracking_url=tracking_url,
        orientation="L",
        attached_to=f"Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả, mã hồ sơ: {dossier.code}",
    )
    person = _applicant(dossier.applicant)
    sheet.field("Mã hồ sơ", dossier.code)
    sheet.field("Thủ tục", f"{dossier.procedure.name} (mã thủ tục {dossier.procedure.code})")
    sheet.field("Người nộp hồ sơ", person.name)
    sheet.field("Cơ quan giải quyết hồ sơ", dossier.authority_unit.name)
    promise = _moment(dossier.original_promised_at)
    if dossier.promised_at and dossier.promised_at != dossier.original_promised_at:
        promise += f"; hẹn lại: {_moment(dossier.promised_at)}"
    sheet.field("Ngày hẹn trả kết quả", promise)
    rows = [
        [
            str(number),
            item.giver,
            item.receiver,
            _short(item.received_at),
            _short(item.due_at),
            _short(item.done_at),
            item.verdict(now),
            "\n".join(item.notes),
        ]
        for number, item in enumerate(hand_overs(dossier), start=1)
    ]
    sheet.table_block(
        ["STT", "Bên giao", "Bên nhận", "Nhận lúc", "Hạn xử lý", "Hoàn thành", "Kết quả", "Ghi chú"],
        rows,
        (5, 20, 22, 11, 11, 11, 10, 20),
        size=9,
    )
    if dossier.finished_at and dossier.original_promised_at:
        overall = "trả kết quả quá hạn" if dossier.is_late else "trả kết quả đúng hạn"
        sheet.paragraph(f"Kết quả giải quyết hồ sơ: {overall} (xong lúc {_moment(dossier.finished_at)}).")
    sheet.paragraph(f"Phiếu lập lúc {_moment(now)} từ nhật ký sự kiện của hồ sơ.", style="I", size=9.5)
    return sheet.to_bytes()
