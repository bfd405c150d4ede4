"""The portal's pages: search with facets, a dataset with its preview, downloads in CSV, XLSX and JSON counted
in the statistics, an upload with its refusal shown, the officer's pages, and private uploads never public."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tinhso.opendata import services
from tinhso.opendata.models import Dataset, Hit
from tinhso.opendata.tests.conftest import SCHOOLS, load, make_dataset, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def schools(od):
    dataset = make_dataset("truong-hoc", tags=["giáo dục"])
    load(dataset, SCHOOLS.encode())
    return publish(dataset)


def test_search_page_with_facets(schools, client):
    page = client.get("/du-lieu-mo/", {"q": "truong hoc"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Danh sách trường học" in text and 'data-facet="organization"' in text
    assert "Danh sách trường học" not in client.get("/du-lieu-mo/", {"q": "benh vien"}).content.decode()
    assert client.get("/du-lieu-mo/", {"theme": "y-te"}).context["found"].count == 0


def test_dataset_page_previews_charts_and_names_the_api(schools, client):
    page = client.get("/du-lieu-mo/truong-hoc/")
    text = page.content.decode()
    assert "Trường THPT Chuyên Phan Ngọc Hiển" in text and 'id="preview"' in text
    assert page.context["chart"]["series"][0]["name"] == "Số học sinh"
    resource = schools.resources.get()
    assert f"datastore_search?resource_id={resource.pk}" in text
    assert "Dữ liệu tính đến" in text


def test_downloads_in_three_formats_are_counted(schools, client):
    resource = schools.resources.get()
    as_csv = client.get(f"/du-lieu-mo/tai-nguyen/{resource.pk}.csv")
    rows = list(csv.reader(io.StringIO(b"".join(as_csv.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Tên trường" and rows[3][3] == ""
    as_json = json.loads(b"".join(client.get(f"/du-lieu-mo/tai-nguyen/{resource.pk}.json").streaming_content))
    assert as_json[1]["Số học sinh"] == 980
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(f"/du-lieu-mo/tai-nguyen/{resource.pk}.xlsx").streaming_content))
    ).active
    assert sheet.cell(2, 4).value == 1250
    assert Hit.objects.filter(kind=Hit.Kind.DOWNLOAD).count() == 3
    stats = client.get("/du-lieu-mo/thong-ke/").content.decode()
    assert "3 lượt tải" in stats and "Sở Tư pháp" in stats


def test_a_draft_and_its_files_stay_private(od, client):
    draft = make_dataset("ban-nhap")
    version = load(draft, SCHOOLS.encode())
    assert client.get("/du-lieu-mo/ban-nhap/").status_code == 404
    assert client.get(f"/du-lieu-mo/tai-nguyen/{version.resource_id}.csv").status_code == 404
    assert not version.file.storage.base_location.startswith(
        str(__import__("django.conf").conf.settings.MEDIA_ROOT)
    )


def test_an_officer_uploads_and_sees_the_load_and_a_refusal_beside_the_field(
    schools, client, od, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(od.editor)
    draft = make_dataset("cho", title="Chợ truyền thống")
    upload = io.BytesIO(b"Ten,So sap\nCho Ca Mau,420\n")
    upload.name = "cho.csv"
    with django_capture_on_commit_callbacks(execute=True):  # the job queue runs the load
        reply = client.post("/du-lieu-mo/cho/tai-len/", {"file": upload, "name": "Chợ"})
    assert reply.status_code == 302
    page = client.get("/du-lieu-mo/cho/").content.decode()
    assert 'data-status="done"' in page and "Cho Ca Mau" in page
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 10)
    upload = io.BytesIO(b"Ten,So sap\nCho Ca Mau,420\n")
    upload.name = "lon.csv"
    client.post("/du-lieu-mo/cho/tai-len/", {"file": upload})
    assert "Tệp quá lớn" in client.get("/du-lieu-mo/cho/").content.decode()
    assert draft.resources.count() == 1


def test_an_officer_creates_a_dataset_and_sees_errors_beside_fields(od, client):
    client.force_login(od.editor)
    assert client.get("/du-lieu-mo/quan-ly/").status_code == 200
    form = {"organization": "so-tu-phap", "name": "van-phong-cong-chung", "title": "Văn phòng công chứng",
            "theme": "xa-hoi", "frequency": "QUARTERLY", "license_id": "cc-by", "access_level": "open",
            "tags": "công chứng, luật sư"}  # fmt: skip
    assert client.post("/du-lieu-mo/quan-ly/tao-moi/", form).status_code == 302
    assert Dataset.objects.get(name="van-phong-cong-chung").tags.count() == 2
    again = client.post("/du-lieu-mo/quan-ly/tao-moi/", form)
    assert again.status_code == 400 and again.context["form"].errors["name"]


def test_the_publish_button_refuses_personal_data_with_a_message(od, client):
    client.force_login(od.leader)
    dataset = make_dataset("nguoi-dan", title="Danh sách")
    load(dataset, "Họ tên,Xã\nVăn A,Xã Tân Lộc\n".encode())
    services.act(actor=od.editor, dataset_id=dataset.pk, version=None, action="submit")
    dataset.refresh_from_db()
    reply = client.post("/du-lieu-mo/nguoi-dan/thao-tac/publish/", {"version": dataset.version}, follow=True)
    assert "dữ liệu cá nhân" in reply.content.decode()
    dataset.refresh_from_db()
    assert dataset.state == "review"
