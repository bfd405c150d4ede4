"""Autosave of the entry grid and saves by two officials of one unit: each cell carries the revision its
writer saw, a figure saved over someone else's newer one is refused with their value, and a cell left as it
was seen never overwrites a newer save."""

import pytest

from tinhso.core.errors import InvalidInput
from tinhso.core.models import Role
from tinhso.reporting import services
from tinhso.testing.factories import official

from .conftest import JUSTICE, cells, one_cell

pytestmark = pytest.mark.django_db
PAGE = f"/bao-cao/KTXH-THANG/2026M03/{JUSTICE}/"
AUTOSAVE = PAGE + "tu-dong-luu/"


@pytest.fixture
def colleague(db):
    return official("baocao.tuphap2", (Role.REPORTING_OFFICER, JUSTICE))


def _save(actor, regime, *cells):
    return services.save_values(
        actor=actor, regime_code=regime, period_id="2026M03", unit_code=JUSTICE, cells=list(cells)
    )


def _value(code):
    return one_cell(code=code)


def test_a_figure_typed_over_a_newer_save_is_refused_with_the_newer_value(regime, cast, colleague):
    _save(colleague, regime, services.Cell("DNMOI", "12", base_revision=0))
    with pytest.raises(InvalidInput) as refused:
        _save(cast.justice, regime, services.Cell("DNMOI", "15", base_revision=0))
    assert refused.value.code == "stale_value"
    assert refused.value.extra["current"]["DNMOI"] == {"value": "12", "comment": "", "revision": 1}
    assert "Cán bộ baocao.tuphap2" in refused.value.errors["DNMOI"][0]
    assert _value("DNMOI").value == 12
    # Seen now: saving again replaces it on purpose.
    _save(cast.justice, regime, services.Cell("DNMOI", "15", base_revision=1))
    assert (_value("DNMOI").value, _value("DNMOI").revision) == (15, 2)


def test_a_cell_left_as_it_was_seen_does_not_undo_a_newer_save(regime, cast, colleague):
    _save(cast.justice, regime, services.Cell("DNMOI", "12", base_revision=0))
    _save(colleague, regime, services.Cell("DNMOI", "13", base_revision=1))
    # The first official's page still shows 12 (revision 1) and sends the whole grid with one new figure.
    outcome = _save(
        cast.justice,
        regime,
        services.Cell("DNMOI", "12", base_revision=1),
        services.Cell("HSTN", "4", base_revision=0),
    )
    assert (outcome.imported, outcome.ignored) == (1, 1)
    assert outcome.revisions == {"DNMOI": 2, "HSTN": 1}
    assert _value("DNMOI").value == 13


def test_autosave_answers_json_with_revisions_and_refusals_beside_their_cells(
    client, regime, cast, colleague
):
    client.force_login(cast.justice)
    saved = client.post(AUTOSAVE, {"v:DNMOI": "12", "r:DNMOI": "0", "c:DNMOI": "Ước tính"})
    assert saved.status_code == 200 and saved.json()["revisions"] == {"DNMOI": 1}
    assert _value("DNMOI").comment == "Ước tính"
    bad = client.post(AUTOSAVE, {"v:HSTN": "bốn", "r:HSTN": "0"})
    assert bad.status_code == 422 and "không phải là số" in bad.json()["errors"]["HSTN"][0]
    _save(colleague, regime, services.Cell("DNMOI", "20", base_revision=1))
    stale = client.post(AUTOSAVE, {"v:DNMOI": "14", "r:DNMOI": "1"})
    assert stale.status_code == 409 and stale.json()["current"]["DNMOI"]["value"] == "20"
    assert _value("DNMOI").value == 20


def test_autosave_is_refused_to_whoever_may_not_enter(client, regime, cast):
    client.force_login(cast.finance)
    reply = client.post(AUTOSAVE, {"v:DNMOI": "12", "r:DNMOI": "0"})
    assert reply.status_code == 422 and reply.json()["errors"]["DNMOI"]
    assert not cells()


def test_the_page_refused_for_a_newer_save_keeps_the_figure_and_names_it_in_the_banner(
    client, regime, cast, colleague
):
    client.force_login(cast.justice)
    _save(colleague, regime, services.Cell("DNMOI", "20", base_revision=0))
    reply = client.post(PAGE, {"v:DNMOI": "14", "r:DNMOI": "0"})
    html = reply.content.decode()
    assert reply.status_code == 422 and 'id="error-summary"' in html and 'href="#v-DNMOI"' in html
    assert 'id="e-DNMOI"' in html and 'value="14"' in html
    assert 'name="r:DNMOI" value="1"' in html  # saving again replaces the newer value on purpose
