"""Input no column can hold, or no clock can place, is refused with 422 (or a message on the page) and leaves
the dossier as it was: never a 500, never half a change."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.core.models import Event
from tinhso.dossiers.models import Dossier
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.factories import bearer

pytestmark = pytest.mark.django_db
API = "/api/v1/dossiers"


def _unchanged(dossier: Dossier) -> bool:
    events = Event.objects.filter(stream=f"dossiers.dossier:{dossier.pk}").count()
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (fresh.version, fresh.status, fresh.rating, fresh.result_note) == (
        dossier.version,
        dossier.status,
        dossier.rating,
        dossier.result_note,
    ) and events == dossier.version


def test_a_result_note_over_its_column_is_422_on_the_api_and_a_message_on_the_page(client, cast):
    dossier = in_state(cast, "at_last_step")
    leader = bearer("lanhdao")
    result = SimpleUploadedFile("phieu.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    answer = client.post(
        f"{API}/{dossier.code}/finish",
        {"version": dossier.version, "result_file": result, "note": "x" * 501},
        **leader,
    )
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert list(answer.json()["errors"]) == ["note"]
    client.force_login(cast.leader)
    result.seek(0)
    page = client.post(
        f"/ho-so/{dossier.code}/finish/",
        {"version": dossier.version, "result_file": result, "note": "x" * 501},
        follow=True,
    )
    assert page.status_code == 200 and "Dài tối đa 500 ký tự." in page.content.decode()
    assert _unchanged(dossier)
    assert 'name="note" maxlength="500"' in client.get(f"/ho-so/{dossier.code}/").content.decode()


def test_a_rating_comment_over_its_column_is_refused_on_the_api_and_on_the_citizens_page(client, cast):
    dossier = in_state(cast, "returned")
    answer = client.post(
        f"{API}/{dossier.code}/rate",
        {"version": dossier.version, "rating": 3, "comment": "Tốt " * 300},
        content_type="application/json",
        **bearer("096090001234"),
    )
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["comment"]
    client.force_login(cast.an)
    page = client.post(
        f"/ho-so/{dossier.code}/rate/",
        {"version": dossier.version, "rating": 3, "comment": "Tốt " * 300},
        follow=True,
    )
    assert page.status_code == 200 and "Dài tối đa 1000 ký tự." in page.content.decode()
    assert _unchanged(dossier)


@pytest.mark.parametrize(
    "instant", ["2026-04-30T16:00:00", "0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59+07:00"]
)
def test_an_apology_date_without_offset_or_out_of_range_is_422(client, cast, instant):
    dossier = in_state(cast, "at_last_step")
    answer = client.post(
        f"{API}/{dossier.code}/apologize",
        {"version": dossier.version, "new_promised_at": instant, "reason": "Cần xác minh thêm."},
        content_type="application/json",
        **bearer("lanhdao"),
    )
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["new_promised_at"]
    assert _unchanged(dossier)


def test_an_apology_date_out_of_range_on_the_page_is_a_message(client, cast):
    dossier = in_state(cast, "at_last_step")
    client.force_login(cast.leader)
    page = client.post(
        f"/ho-so/{dossier.code}/apologize/",
        {"version": dossier.version, "new_promised_at": "0001-01-01T00:00", "reason": "Cần xác minh."},
        follow=True,
    )
    assert page.status_code == 200 and "Ngày giờ hẹn mới không hợp lệ." in page.content.decode()
    assert _unchanged(dossier)


def test_the_national_export_refuses_an_instant_without_offset(client, cast):
    answer = client.get(
        f"{API}/export/national-status", {"since": "2026-01-01T00:00:00"}, **bearer("lanhdao")
    )
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
