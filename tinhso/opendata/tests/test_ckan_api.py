"""The CKAN action API through the real `ckanapi` client against the live server, by POST and with
`get_only=True`: the envelope, the errors it maps to its exceptions, both addresses without a redirect,
package_search's statements not growing with `rows`, and datastore_search."""

import ckanapi
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.opendata.tests.conftest import SCHOOLS, load, make_dataset, publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(reference_data, od):
    schools = make_dataset(
        "truong-hoc", tags=["giáo dục", "trường học"], notes="Các trường học đóng trên địa bàn tỉnh."
    )
    load(schools, SCHOOLS.encode())
    publish(schools)
    bridges = make_dataset("cau-duong", organization="so-xay-dung", title="Cầu đường bộ", theme="co-so-ha-tang",
                           tags=["giao thông"])  # fmt: skip
    publish(bridges)
    make_dataset("ban-nhap", title="Dự thảo chưa công bố")
    shared = make_dataset("ho-so-noi-bo", title="Số liệu dùng chung", access_level="shared")
    publish(shared)
    return schools


@pytest.fixture(params=[False, True], ids=["post", "get_only"])
def ckan(request, live_server):
    client = ckanapi.RemoteCKAN(live_server.url, get_only=request.param)
    yield client
    client.close()


def test_package_search_answers_with_facets_and_filters(catalogue, ckan):
    found = ckan.call_action(
        "package_search", {"q": "truong hoc", "rows": 5, "facet.field": '["tags", "organization"]'}
    )
    assert found["count"] == 1
    package = found["results"][0]
    assert package["name"] == "truong-hoc" and package["organization"]["name"] == "so-tu-phap"
    assert {tag["name"] for tag in package["tags"]} == {"giáo dục", "trường học"}
    assert package["resources"][0]["datastore_active"] is True
    assert found["facets"]["organization"] == {"so-tu-phap": 1}
    everything = ckan.call_action(
        "package_search", {"fq": "organization:so-xay-dung", "facet.field": '["groups"]'}
    )
    assert [p["name"] for p in everything["results"]] == ["cau-duong"]
    assert everything["search_facets"]["groups"]["items"] == [
        {"name": "co-so-ha-tang", "display_name": "co-so-ha-tang", "count": 1}
    ]
    # Neither the draft nor the shared dataset is listed to an anonymous caller.
    assert sorted(ckan.action.package_list()) == ["cau-duong", "truong-hoc"]


def test_package_show_and_its_errors(catalogue, ckan):
    shown = ckan.action.package_show(id="truong-hoc")
    assert shown["title"] == "Danh sách trường học" and shown["license_id"] == "cc-by"
    resource = ckan.action.resource_show(id=shown["resources"][0]["id"])
    assert resource["hash"].startswith("sha256:") and resource["format"] == "CSV"
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="ban-nhap")
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.package_show(id="ho-so-noi-bo")
    with pytest.raises(ckanapi.ValidationError) as refused:
        ckan.call_action("package_search", {"sort": "mat_khau desc"})
    assert "sort" in refused.value.error_dict
    with pytest.raises(ckanapi.ValidationError):
        ckan.call_action("package_search", {"rows": "nhieu"})


def test_the_other_read_actions(catalogue, ckan):
    assert ckan.action.status_show()["ckan_version"] == "2.11-compat"
    assert "cc-by" in [licence["id"] for licence in ckan.action.license_list()]
    assert ckan.action.organization_list() == ["so-tu-phap", "so-xay-dung"]
    justice = ckan.action.organization_show(id="so-tu-phap")
    assert justice["package_count"] == 1 and justice["title"] == "Sở Tư pháp tỉnh Cà Mau"
    assert len(ckan.action.group_list()) == 12
    assert ckan.action.tag_list() == ["giao thông", "giáo dục", "trường học"]


def test_datastore_search_filters_sorts_pages_and_clamps(catalogue, ckan):
    resource_id = ckan.action.package_show(id="truong-hoc")["resources"][0]["id"]
    found = ckan.call_action(
        "datastore_search", {"resource_id": resource_id, "filters": '{"Cấp học": "THCS"}'}
    )
    assert found["total"] == 1 and found["records"][0]["Tên trường"] == "Trường THCS Nguyễn Văn Trỗi"
    assert {field["id"]: field["type"] for field in found["fields"]}["Số học sinh"] == "int"
    ordered = ckan.call_action(
        "datastore_search", {"resource_id": resource_id, "sort": "Số học sinh desc", "limit": 40000}
    )
    assert ordered["limit"] == 32000
    assert [r["Số học sinh"] for r in ordered["records"]] == [1250, 980, None]
    page = ckan.call_action(
        "datastore_search", {"resource_id": resource_id, "limit": 2, "fields": "Tên trường"}
    )
    assert [r["_id"] for r in page["records"]] == [1, 2] and set(page["records"][0]) == {"_id", "Tên trường"}
    assert "after=2" in page["_links"]["next"]
    with pytest.raises(ckanapi.ValidationError) as refused:
        ckan.call_action("datastore_search", {"resource_id": resource_id, "filters": '{"Mật khẩu": "x"}'})
    assert "filters" in refused.value.error_dict
    with pytest.raises(ckanapi.NotFound):
        ckan.call_action("datastore_search", {"resource_id": "00000000-0000-0000-0000-000000000000"})


def test_both_addresses_answer_without_a_redirect(catalogue, client):
    for prefix in ("/api/3/action/", "/api/action/"):
        reply = client.get(prefix + "package_list")
        assert reply.status_code == 200 and reply.json()["success"] is True
        posted = client.post(prefix + "package_show", {"id": "truong-hoc"}, content_type="application/json")
        assert posted.status_code == 200 and posted.json()["result"]["name"] == "truong-hoc"
    unknown = client.get("/api/3/action/khong_co")
    assert unknown.status_code == 400 and unknown.json()["success"] is False
    assert client.get("/api/3/action/package_show").status_code == 409


def test_package_search_statements_do_not_grow_with_rows(reference_data, od, client):
    for number in range(12):
        dataset = make_dataset(f"bo-du-lieu-{number}", tags=[f"the-{number}", "chung"])
        load(dataset, SCHOOLS.encode())
        publish(dataset)

    def statements(rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            reply = client.get(
                "/api/3/action/package_search", {"rows": rows, "facet.field": '["tags","organization"]'}
            )
        assert len(reply.json()["result"]["results"]) == rows
        return len(captured)

    assert statements(1) == statements(12)


def test_datastore_search_pages_a_larger_resource_alike_on_both_databases(catalogue, ckan):
    lines = ["Mã hộ,Xã,Số nhân khẩu,Ngày"] + [
        f"{n:05d},Xã {('Tân Lộc', 'Đầm Dơi', 'Năm Căn')[n % 3]},{n % 9 + 1},{n % 28 + 1:02d}/03/2026"
        for n in range(1, 301)
    ]
    dataset = make_dataset("ho-gia-dinh", title="Hộ gia đình")
    load(dataset, "\n".join(lines).encode())
    publish(dataset)
    resource_id = ckan.action.package_show(id="ho-gia-dinh")["resources"][0]["id"]
    first = ckan.call_action("datastore_search", {"resource_id": resource_id})
    assert first["total"] == 300 and len(first["records"]) == 100
    assert first["records"][0] == {"_id": 1, "Mã hộ": "00001", "Xã": "Xã Đầm Dơi", "Số nhân khẩu": 2,
                                   "Ngày": "2026-03-02"}  # fmt: skip
    filtered = ckan.call_action(
        "datastore_search", {"resource_id": resource_id, "filters": '{"Xã": "Xã Năm Căn", "Số nhân khẩu": 3}'}
    )
    assert filtered["total"] == 34 and [r["_id"] for r in filtered["records"]][:3] == [2, 11, 20]
    backwards = ckan.call_action(
        "datastore_search",
        {"resource_id": resource_id, "filters": '{"Xã": "Xã Năm Căn"}', "sort": "_id desc"},
    )
    assert [r["_id"] for r in backwards["records"]][:2] == [299, 296]
    deep = ckan.call_action("datastore_search", {"resource_id": resource_id, "after": 290, "limit": 5})
    assert [r["Mã hộ"] for r in deep["records"]] == ["00291", "00292", "00293", "00294", "00295"]
    assert "after=295" in deep["_links"]["next"]
    dated = ckan.call_action(
        "datastore_search", {"resource_id": resource_id, "filters": '{"Ngày": "05/03/2026"}'}
    )
    assert dated["total"] == 11 and dated["records"][0]["_id"] == 4
    searched = ckan.call_action("datastore_search", {"resource_id": resource_id, "q": "dam doi 00004"})
    assert [r["_id"] for r in searched["records"]] == [4]
