"""Forms 1–6 of Circular 03/2025/TT-VPCP rendered from dossiers brought along by the services; the PDFs
are read back with a text extractor. Expected dates are counted by hand in the comments."""

import logging
from io import BytesIO

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from tinhso.core.errors import NotFound
from tinhso.dossiers import documents, services
from tinhso.testing.dossier_flow import pdf
from tinhso.testing.dossiers import AN_XUYEN, RECORD, RECORD_FORM, RESIDENCE, RESIDENCE_FORM, local

pytestmark = pytest.mark.django_db

RECORD_NAME = "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam"


def tracking_url(code: str) -> str:
    return f"https://dichvucong.camau.gov.vn/tra-cuu/{code}"


def text_of(pdf: bytes) -> str:
    """The PDF's text with line breaks folded, so wrapped sentences read whole."""
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.fixture
def glyphs_checked(caplog):
    """Fails the test if the font lacked a glyph for any character written (it would print a box)."""
    caplog.set_level(logging.WARNING, logger="fpdf")
    yield
    missing = [
        record.getMessage() for record in caplog.records if "missing the following glyphs" in record.message
    ]
    assert not missing, missing


def submitted(cast, clock):
    clock.set(2026, 3, 10, 9, 0)
    dossier, _ = services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)
    return dossier


def accepted(cast, clock):
    dossier = submitted(cast, clock)
    return services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)


def test_the_receipt_carries_the_national_header_applicant_procedure_documents_and_promised_date(
    cast, clock, glyphs_checked
):
    dossier = accepted(cast, clock)
    text = text_of(documents.receipt_pdf(dossier, tracking_url=tracking_url(dossier.code)))

    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH CÀ MAU",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Cà Mau, ngày 10 tháng 3 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Trung tâm Phục vụ hành chính công tỉnh Cà Mau tiếp nhận hồ sơ của:",
        f"Mã hồ sơ: {dossier.code}",
        "Hồ sơ của Ông: Nguyễn Văn An",
        "Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên, Tỉnh Cà Mau",
        RECORD_NAME,
        f"mã thủ tục {RECORD}",
        "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        "Lấy từ Cơ sở dữ liệu quốc gia về dân cư, không yêu cầu nộp lại",
        "Hình thức nộp hồ sơ: Trực tuyến",
        "10 ngày làm việc",
        "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 10/03/2026",
        # Ten working days after Tuesday 10 March: 11, 12, 13, 16, 17, 18, 19, 20, 23, 24 March, to closing.
        "(ngày hẹn trả): 17 giờ 00 phút, ngày 24/03/2026",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Cán bộ motcua",
        tracking_url(dossier.code),
        "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh Cà Mau",
    ):
        assert expected in text, expected
    assert dossier.promised_at == local(2026, 3, 24, 17, 0)


def test_a_receipt_before_acceptance_says_when_reception_is_due_instead_of_a_promised_date(cast, clock):
    dossier = submitted(cast, clock)
    text = text_of(documents.receipt_pdf(dossier, tracking_url=tracking_url(dossier.code)))

    # Eight office hours from Tuesday 09:00: 09:00–11:30 and 13:30–17:00 (6 h), then 07:30–09:30.
    assert "hạn tiếp nhận: 09 giờ 30 phút, ngày 11/03/2026" in text
    assert "ngày hẹn trả" not in text


def test_the_receipt_qr_code_is_the_tracking_url(cast, clock):
    dossier = accepted(cast, clock)
    url = tracking_url(dossier.code)
    page = PdfReader(BytesIO(documents.receipt_pdf(dossier, tracking_url=url))).pages[0]

    [embedded] = page.images
    picture = embedded.image.convert("L")
    matrix = segno.make(url, error="m", micro=False).matrix
    size = len(matrix) + 2 * documents.QR_BORDER
    assert picture.size == (size * documents.QR_SCALE, size * documents.QR_SCALE)
    # Read each module at its centre: dark pixels where segno's matrix has a dark module, light elsewhere.
    modules = [
        [
            picture.getpixel((x * documents.QR_SCALE + 4, y * documents.QR_SCALE + 4)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]
    border = documents.QR_BORDER
    assert [row[border:-border] for row in modules[border:-border]] == [
        [bool(module) for module in row] for row in matrix
    ]
    assert not any(any(row) for row in modules[:border] + modules[-border:])


def test_the_qr_code_of_another_url_differs(cast, clock):
    """Guards the test above: the comparison would notice a QR code of the wrong address."""
    first = Image.open(documents.qr_png("https://dichvucong.camau.gov.vn/tra-cuu/A"))
    second = Image.open(documents.qr_png("https://dichvucong.camau.gov.vn/tra-cuu/B"))
    assert first.size == second.size
    assert first.tobytes() != second.tobytes()


def test_the_supplement_request_states_what_to_supplement(cast, clock, glyphs_checked):
    dossier = accepted(cast, clock)
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 12, 10, 15)
    reason = "Bổ sung bản sao Giấy khai sinh có chứng thực và quá trình cư trú từ năm 2010."
    dossier = services.request_supplement(
        actor=cast.specialist, code=dossier.code, version=dossier.version, reason=reason
    )
    text = text_of(documents.supplement_request_pdf(dossier))

    for expected in (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "SỞ TƯ PHÁP",
        dossier.code,
        "Nguyễn Văn An",
        "Ngày nộp hồ sơ: 10/03/2026",
        reason,
        "tạm dừng từ 10 giờ 15 phút, ngày 12/03/2026",
        "NGƯỜI HƯỚNG DẪN",
        "Cán bộ chuyenvien",
    ):
        assert expected in text, expected


def test_the_refusal_gives_the_reason_recorded_at_reception(cast, clock, glyphs_checked):
    dossier = submitted(cast, clock)
    clock.set(2026, 3, 10, 14, 0)
    reason = "Tờ khai không có chữ ký của người yêu cầu cấp Phiếu lý lịch tư pháp."
    dossier = services.refuse(actor=cast.desk, code=dossier.code, version=dossier.version, reason=reason)
    text = text_of(documents.refusal_pdf(dossier))

    for expected in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        dossier.code,
        "thông báo không tiếp nhận, giải quyết hồ sơ này",
        reason,
        "Xin thông báo cho Ông được biết",
    ):
        assert expected in text, expected


def test_the_apology_gives_the_reason_the_first_and_the_new_date(cast, clock, glyphs_checked):
    dossier = accepted(cast, clock)
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 20, 8, 0)
    reason = "Cần xác minh thông tin án tích tại Công an tỉnh Kiên Giang cũ."
    dossier = services.apologize(
        actor=cast.leader,
        code=dossier.code,
        version=dossier.version,
        new_promised_at=local(2026, 3, 31, 16, 0),
        reason=reason,
    )
    text = text_of(documents.apology_pdf(dossier))

    for expected in (
        "VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "SỞ TƯ PHÁP",
        "Kính gửi: Ông Nguyễn Văn An",
        dossier.code,
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 24/03/2026",
        reason,
        "16 giờ 00 phút, ngày 31/03/2026",
        "Cán bộ lanhdao",
    ):
        assert expected in text, expected


def test_the_stop_notice_gives_the_reason(cast, clock, glyphs_checked):
    dossier = accepted(cast, clock)
    clock.set(2026, 3, 11, 15, 45)
    reason = "Người yêu cầu đã được cấp Phiếu lý lịch tư pháp số 1 tại Sở Tư pháp thành phố Cần Thơ."
    dossier = services.stop(actor=cast.leader, code=dossier.code, version=dossier.version, reason=reason)
    text = text_of(documents.stop_notice_pdf(dossier))

    for expected in (
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        dossier.code,
        "kể từ 15 giờ 45 phút, ngày 11/03/2026",
        reason,
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    "render",
    [
        documents.supplement_request_pdf,
        documents.refusal_pdf,
        documents.apology_pdf,
        documents.stop_notice_pdf,
    ],
)
def test_a_notice_the_dossier_never_had_is_not_found(cast, clock, render):
    dossier = accepted(cast, clock)
    with pytest.raises(NotFound) as refused:
        render(dossier)
    assert refused.value.code == "document_not_available"


def run_to_return(cast, clock):
    """Accepted Tuesday 10 March 09:30; 10 working days = 75 office hours, steps of 7.5, 45, 15 and 7.5 h."""
    dossier = submitted(cast, clock)
    clock.set(2026, 3, 10, 9, 30)
    dossier = services.accept(actor=cast.desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 10, 14, 0)
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 12, 10, 0)
    dossier = services.request_supplement(
        actor=cast.specialist, code=dossier.code, version=dossier.version, reason="Bổ sung quá trình cư trú."
    )
    clock.set(2026, 3, 13, 10, 0)
    dossier = services.answer_supplement(actor=cast.an, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 20, 10, 0)
    dossier = services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 23, 9, 0)
    dossier = services.finish(
        actor=cast.leader, code=dossier.code, version=dossier.version, result_file=pdf()
    )
    clock.set(2026, 3, 23, 15, 0)
    return services.return_result(actor=cast.desk, code=dossier.code, version=dossier.version)


def test_the_hand_overs_show_who_gave_whom_when_and_whether_on_time(cast, clock):
    dossier = run_to_return(cast, clock)
    rows = documents.hand_overs(dossier)

    assert [row.received_at for row in rows] == [
        local(2026, 3, 10, 9, 0),
        local(2026, 3, 10, 9, 30),
        local(2026, 3, 10, 14, 0),
        local(2026, 3, 20, 10, 0),
        local(2026, 3, 23, 9, 0),
    ]
    assert [row.due_at for row in rows] == [
        # Acknowledgement: 8 office hours from 10 March 09:00 end at 09:30 the next day.
        local(2026, 3, 11, 9, 30),
        # Reception step, 7.5 h from 09:30: one office day later.
        local(2026, 3, 11, 9, 30),
        # Specialist, 45 h = 6 office days from Tue 10 March 14:00 → Wed 18 March 14:00, then the
        # supplement pause of 12 March 10:00 – 13 March 10:00 (7.5 h) moves it to Thu 19 March 14:00.
        local(2026, 3, 19, 14, 0),
        # Leader, 15 h = 2 office days from Fri 20 March 10:00 → Tue 24 March 10:00.
        local(2026, 3, 24, 10, 0),
        # Return at the desk, 7.5 h from Mon 23 March 09:00.
        local(2026, 3, 24, 9, 0),
    ]
    assert [row.on_time for row in rows] == [True, True, False, True, True]
    assert "Nguyễn Văn An" in rows[0].giver
    assert "Trung tâm Phục vụ hành chính công tỉnh Cà Mau" in rows[0].receiver
    assert "Cán bộ chuyenvien" in rows[3].giver
    assert "Lãnh đạo xem xét, ký kết quả" in rows[3].receiver
    assert "Sở Tư pháp tỉnh Cà Mau" in rows[3].receiver
    assert rows[2].notes[:2] == [
        "Yêu cầu bổ sung: Bổ sung quá trình cư trú.",
        "Công dân bổ sung; tạm dừng 7,5 giờ làm việc",
    ]
    assert rows[4].done_at == local(2026, 3, 23, 15, 0)


def test_the_control_sheet_lists_every_hand_over_on_time_or_late(cast, clock, glyphs_checked):
    dossier = run_to_return(cast, clock)
    text = text_of(documents.control_sheet_pdf(dossier))

    for expected in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Cơ quan giải quyết hồ sơ: Sở Tư pháp tỉnh Cà Mau",
        # 24 March 17:00 plus the 7.5 h pause: 25 March 17:00.
        "Ngày hẹn trả kết quả: 17 giờ 00 phút, ngày 25/03/2026",
        "14:00 19/03/2026",
        "10:00 20/03/2026",
        "trả kết quả đúng hạn",
    ):
        assert expected in text, expected
    assert text.count("Quá hạn") == 1
    assert text.count("Đúng hạn") == 4


def test_an_open_step_past_its_due_time_shows_as_overdue(cast, clock):
    dossier = accepted(cast, clock)
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 27, 9, 0)
    text = text_of(documents.control_sheet_pdf(dossier))

    assert "Đang xử lý, đã quá hạn" in text


def test_a_step_sent_back_shows_as_a_new_hand_over_with_the_reason(cast, clock):
    dossier = accepted(cast, clock)
    dossier = services.forward(actor=cast.desk, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 11, 10, 0)
    dossier = services.forward(actor=cast.specialist, code=dossier.code, version=dossier.version)
    clock.set(2026, 3, 12, 8, 0)
    reason = "Dự thảo phiếu ghi sai năm sinh của người yêu cầu."
    dossier = services.send_back(actor=cast.leader, code=dossier.code, version=dossier.version, reason=reason)
    rows = documents.hand_overs(dossier)

    assert f"Chuyển lại bước trước: {reason}" in rows[3].notes
    assert "Cán bộ lanhdao" in rows[4].giver
    assert "Thẩm định hồ sơ, dự thảo kết quả" in rows[4].receiver
    assert rows[4].received_at == local(2026, 3, 12, 8, 0) and rows[4].done_at is None
    assert reason in text_of(documents.control_sheet_pdf(dossier))


def test_a_commune_desk_heads_its_forms_with_the_commune_committee(cast, clock, glyphs_checked):
    clock.set(2026, 3, 10, 9, 0)
    dossier, _ = services.submit_dossier(
        actor=cast.an, procedure_code=RESIDENCE, form_data=RESIDENCE_FORM, receiving_unit_code=AN_XUYEN
    )
    dossier = services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    text = text_of(documents.receipt_pdf(dossier, tracking_url=tracking_url(dossier.code)))

    assert "ỦY BAN NHÂN DÂN PHƯỜNG AN XUYÊN" in text
    assert "Ủy ban nhân dân phường An Xuyên tiếp nhận hồ sơ của:" in text
    assert f"Mã hồ sơ: {dossier.code}" in text and dossier.code.startswith("32002.H12-260310-")
