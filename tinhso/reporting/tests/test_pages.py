"""Pages: the entry grid saves and shows errors beside the cell, the XLSX template round-trips with errors
per row and cell in Vietnamese, the approver sees mismatches, completeness lists late units."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tinhso.reporting.models import Status, Submission

from .conftest import FINANCE, JUSTICE, cells, one_cell

pytestmark = pytest.mark.django_db
PAGE = f"/bao-cao/KTXH-THANG/2026M03/{JUSTICE}/"


@pytest.fixture
def justice(client, cast):
    client.force_login(cast.justice)
    return client


def test_entry_grid_saves_values_and_narrative(justice, regime):
    page = justice.get(PAGE)
    assert page.status_code == 200 and 'name="v:DNMOI"' in page.content.decode()
    reply = justice.post(
        PAGE, {"v:DNMOI": "12", "v:BLHH": "1.250,5", "c:BLHH": "Ước tính", "n:1": "Ổn định."}
    )
    assert reply.status_code == 302
    assert one_cell(code="BLHH").value == 1250.5
    assert Submission.objects.get().narrative["1"] == "Ổn định."


def test_a_bad_value_is_shown_beside_its_cell_and_nothing_is_saved(justice, regime):
    reply = justice.post(PAGE, {"v:DNMOI": "mười hai", "v:BLHH": "5"})
    html = reply.content.decode()
    assert reply.status_code == 422 and 'id="e-DNMOI"' in html and "không phải là số" in html
    assert not cells()


def test_xlsx_template_round_trip_with_errors_per_row_and_cell(justice, regime):
    sheet = justice.get(PAGE + "bieu/01/KTXH-T.xlsx")
    assert sheet.status_code == 200
    book = load_workbook(BytesIO(sheet.content))
    rows = {row[1].value: row for row in book.active.iter_rows(min_row=6)}
    rows["DNMOI"][5].value = 14
    rows["BLHH"][5].value = "abc"
    out = BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "bieu.xlsx"
    reply = justice.post(PAGE + "bieu/01/KTXH-T/tai-len/", {"file": out}, follow=True)
    line = rows["BLHH"][5].row
    assert f"Dòng {line}, ô F{line}" in reply.content.decode() and not cells()
    rows["BLHH"][5].value = 250.5
    out = BytesIO()
    book.save(out)
    out.seek(0)
    justice.post(PAGE + "bieu/01/KTXH-T/tai-len/", {"file": out})
    assert one_cell(code="DNMOI").value == 14


def test_an_upload_that_is_not_the_form_is_refused_by_name(justice, regime):
    other = justice.get(f"/bao-cao/KTXH-THANG/2026M02/{JUSTICE}/bieu/01/KTXH-T.xlsx")
    reply = justice.post(PAGE + "bieu/01/KTXH-T/tai-len/", {"file": BytesIO(other.content)}, follow=True)
    assert "kỳ 2026M02" in reply.content.decode()
    reply = justice.post(PAGE + "bieu/01/KTXH-T/tai-len/", {"file": BytesIO(b"not a workbook")}, follow=True)
    assert "không phải bảng tính Excel" in reply.content.decode()


def test_the_level_above_acts_from_the_page_and_sees_progress(client, regime, cast, clock):
    client.force_login(cast.finance)
    page = f"/bao-cao/KTXH-THANG/2026M03/{FINANCE}/"
    client.post(page, {"v:DNMOI": "3"})
    submission = Submission.objects.get()
    client.post(page + "thao-tac/submit/", {"version": submission.version})
    client.force_login(cast.leader)
    html = client.get(page).content.decode()
    assert 'id="action-accept"' in html
    client.post(page + "thao-tac/accept/", {"version": submission.version + 1})
    assert Submission.objects.get().status == Status.ACCEPTED
    progress = client.get("/bao-cao/KTXH-THANG/2026M03/tien-do/").content.decode()
    assert 'id="received">1<' in progress
    client.force_login(cast.justice)
    assert client.get("/bao-cao/KTXH-THANG/2026M03/tien-do/").status_code == 403
    assert client.get("/bao-cao/KTXH-THANG/2026M03/99999/").status_code == 404


def test_the_records_behind_the_platforms_number(client, regime, cast, clock):
    from datetime import datetime

    from tinhso.reporting import services as reporting_services

    from .conftest import ZONE
    from .test_approval import _dossier

    _dossier(1, JUSTICE, datetime(2026, 3, 1, 9, tzinfo=ZONE))
    _dossier(2, JUSTICE, datetime(2026, 3, 15, 9, tzinfo=ZONE))  # next period
    reporting_services.snapshot_derivations(regime_code=regime, period_id="2026M03")
    client.force_login(cast.leader)
    html = client.get(PAGE + "doi-chieu/HSTN/").content.decode()
    assert 'id="derived">1<' in html and "H12.1" in html and "H12.2" not in html
    assert "trùng với lúc chốt" in html
    _dossier(
        3, JUSTICE, datetime(2026, 3, 2, 9, tzinfo=ZONE)
    )  # arrives late: the snapshot holds, the page says so
    assert "đã thay đổi sau khi chốt" in client.get(PAGE + "doi-chieu/HSTN/").content.decode()


def test_the_province_page_says_what_its_totals_are_as_of_and_what_waits_for_the_fold(
    client, regime, cast, clock
):
    from django.conf import settings

    from tinhso.reporting import services

    from .test_approval import _approve, _send

    _approve(cast.leader, _send(regime, cast.justice, JUSTICE, DNMOI="5"))  # folded at 16/03/2026 09:00
    clock.set(2026, 3, 17, 14, 5)
    _approve(cast.leader, _send(regime, cast.finance, FINANCE, DNMOI="7"), fold=False)
    client.force_login(cast.leader)
    province = "/bao-cao/KTXH-THANG/2026M03/96/"
    html = client.get(province).content.decode()
    assert "Số liệu tổng hợp tính đến 16/03/2026 09:00." in html
    assert "1 báo cáo vừa phê duyệt hoặc trả lại chưa được tính vào." in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(province).content.decode()
    assert "Totals as of 16/03/2026 09:00." in html
    assert "1 report approved or returned since is not counted in them yet." in html
    services.fold_totals()
    html = client.get(province).content.decode()
    assert "Totals as of 17/03/2026 14:05." in html and "not counted" not in html
    assert 'id="kept-as-of"' not in client.get(PAGE).content.decode()  # a unit no report adds to
