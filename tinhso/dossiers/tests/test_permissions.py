"""Who sees and does what: no citizen sees another's dossier, no official another unit's."""

import pytest

from tinhso.core.errors import Forbidden, NotFound
from tinhso.core.models import Domain, Role
from tinhso.dossiers import selectors, services
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.dossiers import AN_XUYEN, RECORD, RECORD_FORM, RESIDENCE, RESIDENCE_FORM
from tinhso.testing.factories import bearer, official

pytestmark = pytest.mark.django_db


def commune_dossier(cast, citizen=None):
    dossier, _ = services.submit_dossier(
        actor=citizen or cast.an,
        procedure_code=RESIDENCE,
        form_data=RESIDENCE_FORM,
        receiving_unit_code=AN_XUYEN,
    )
    return dossier


def test_a_citizen_sees_only_their_own_dossiers(cast):
    mine = commune_dossier(cast)
    theirs = commune_dossier(cast, cast.ngoc)
    assert [d.code for d in selectors.citizen_dossiers(actor=cast.an)] == [mine.code]
    assert selectors.dossier_for(actor=cast.an, code=mine.code) == mine
    with pytest.raises(NotFound):
        selectors.dossier_for(actor=cast.an, code=theirs.code)
    with pytest.raises(NotFound):
        services.withdraw(actor=cast.an, code=theirs.code, version=theirs.version)


def test_an_official_sees_and_acts_only_within_their_units(cast):
    dossier = commune_dossier(cast)
    assert selectors.dossier_for(actor=cast.commune_desk, code=dossier.code) == dossier
    # The queue page's first page is read by a statement each process keeps: one for each desk's units.
    assert [row.code for row in selectors.official_queue_page(actor=cast.commune_desk).items] == [
        dossier.code
    ]
    for outsider in (cast.other_commune_desk, cast.other_commune_specialist, cast.desk, cast.specialist):
        assert selectors.official_queue_page(actor=outsider).items == []
        with pytest.raises(NotFound):
            selectors.dossier_for(actor=outsider, code=dossier.code)
        with pytest.raises(NotFound):
            services.accept(actor=outsider, code=dossier.code, version=dossier.version)
        assert selectors.official_queue(actor=outsider) == []
    assert [item.dossier for item in selectors.official_queue(actor=cast.commune_desk)] == [dossier]


def test_an_official_of_the_right_unit_but_the_wrong_role_is_refused(cast):
    dossier = commune_dossier(cast)
    with pytest.raises(Forbidden):
        services.accept(actor=cast.commune_specialist, code=dossier.code, version=dossier.version)
    dossier = services.accept(actor=cast.commune_desk, code=dossier.code, version=dossier.version)
    with pytest.raises(Forbidden):
        services.forward(actor=cast.commune_leader, code=dossier.code, version=dossier.version)


def test_queues_hold_only_dossiers_at_a_step_for_the_officials_role(cast):
    new = in_state(cast, "new")
    at_specialist = in_state(cast, "processing")
    at_leader = in_state(cast, "at_last_step")
    finished = in_state(cast, "finished")
    in_state(cast, "supplement")
    in_state(cast, "returned")
    assert {item.dossier.code for item in selectors.official_queue(actor=cast.desk)} == {
        new.code,
        finished.code,
    }
    assert [item.dossier.code for item in selectors.official_queue(actor=cast.specialist)] == [
        at_specialist.code
    ]
    assert [item.dossier.code for item in selectors.official_queue(actor=cast.leader)] == [at_leader.code]
    assert selectors.official_queue(actor=cast.an) == []


def test_a_dossier_lodged_anywhere_in_the_province_goes_to_the_competent_authority(cast):
    dossier, _ = services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)
    assert (dossier.receiving_unit.code, dossier.authority_unit.code) == ("000.00.01.H12", "000.00.15.H12")
    assert selectors.dossier_for(actor=cast.specialist, code=dossier.code) == dossier


def test_public_tracking_shows_progress_but_no_personal_data(cast):
    dossier = in_state(cast, "processing")
    tracked = selectors.tracking(code=dossier.code)
    assert tracked["status_label"] == "Đang xử lý"
    assert [entry["action"] for entry in tracked["history"]] == [
        "Nộp hồ sơ",
        "Tiếp nhận hồ sơ",
        "Chuyển bước xử lý",
    ]
    text = repr(tracked)
    for private in ("Nguyễn Văn An", "096090001234", "Bổ sung hồ sơ xin việc", "motcua"):
        assert private not in text


def test_the_national_export_uses_status_codes_and_is_scoped(cast):
    returned = in_state(cast, "returned")
    refused = in_state(cast, "refused")
    commune_dossier(cast)
    with pytest.raises(Forbidden):
        selectors.national_status_export(actor=cast.desk)
    reporter = official("baocao.tuphap", (Role.REPORTING_OFFICER, "000.00.15.H12"))
    rows = {row["MaHoSo"]: row for row in selectors.national_status_export(actor=reporter)}
    assert set(rows) == {returned.code, refused.code}
    assert (rows[returned.code]["TrangThaiHoSo"], rows[refused.code]["TrangThaiHoSo"]) == (10, 3)
    assert rows[returned.code]["MaTTHC"] == "H12-LLTP-01" and rows[returned.code]["KenhThucHien"] == 2


def test_the_province_field_report_coordinator_reaches_no_agency_dossier(client, cast):
    """dieuphoi is a specialist over the whole province for field reports: it used to read any dossier with
    its form data and act as the specialist step of any agency (forward, stop, request payment)."""
    official("dieuphoi", (Role.SPECIALIST, "96", Domain.FIELD_REPORTS))
    dossier = in_state(cast, "processing")
    auth = bearer("dieuphoi")
    api = f"/api/v1/dossiers/{dossier.code}"
    assert client.get(api, **auth).status_code == 404
    assert dossier.code not in client.get("/api/v1/dossiers/queue", **auth).content.decode()
    for action, body in (
        ("forward", {"version": dossier.version}),
        ("stop", {"version": dossier.version, "reason": "Thử quyền"}),
        ("request-payment", {"version": dossier.version, "amount": 200000}),
    ):
        answer = client.post(f"{api}/{action}", body, content_type="application/json", **auth)
        assert answer.status_code in (403, 404), action
    before = (dossier.version, dossier.status)
    dossier.refresh_from_db()
    assert (dossier.version, dossier.status) == before
    assert client.get(api, **bearer("chuyenvien")).status_code == 200
