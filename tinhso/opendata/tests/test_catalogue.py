"""The catalogue's write path: datasets created and edited by their agency's data officers, the declared
lifecycle (draft → review → published → withdrawn) with who may act, stale versions refused, the fields
publishing needs, Vietnamese search without accents, facets, and each change on the dataset's event chain."""

import pytest

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.models import Event
from tinhso.opendata import events, lifecycle, selectors, services
from tinhso.opendata.models import State
from tinhso.opendata.tests.conftest import make_dataset, publish
from tinhso.testing.factories import citizen

pytestmark = pytest.mark.django_db


def test_an_officer_creates_and_edits_a_draft_of_their_agency_only(od):
    dataset = services.create_dataset(
        actor=od.editor, organization="so-tu-phap", name="Văn phòng công chứng", title="Văn phòng công chứng",
        theme="xa-hoi", frequency="QUARTERLY", tags=["Công chứng", " công  chứng "],
    )  # fmt: skip
    assert dataset.name == "van-phong-cong-chung" and dataset.state == State.DRAFT
    assert list(dataset.tags.values_list("name", flat=True)) == ["công chứng"]
    with pytest.raises(Forbidden):
        services.create_dataset(actor=od.builder_editor, organization="so-tu-phap", name="x", title="X",
                                theme="xa-hoi", frequency="ANNUAL")  # fmt: skip
    updated = services.update_dataset(
        actor=od.editor, dataset_id=dataset.pk, version=1, notes="Danh sách, địa chỉ"
    )
    assert updated.version == 2
    with pytest.raises(Conflict) as stale:
        services.update_dataset(actor=od.editor, dataset_id=dataset.pk, version=1, notes="cũ")
    assert stale.value.code == "stale_version"
    with pytest.raises(InvalidInput) as wrong:
        services.update_dataset(actor=od.editor, dataset_id=dataset.pk, version=2, theme="vu-tru")
    assert "theme" in wrong.value.errors
    assert [e.action for e in Event.objects.filter(stream=f"opendata.dataset:{dataset.pk}").order_by("seq")] == [
        events.DATASET_CREATED, events.DATASET_UPDATED,
    ]  # fmt: skip


def test_the_lifecycle_table_decides_who_does_what(od):
    dataset = make_dataset()
    resident = citizen()
    with pytest.raises(Forbidden):
        services.act(actor=resident, dataset_id=dataset.pk, version=None, action="submit")
    services.act(actor=od.editor, dataset_id=dataset.pk, version=None, action="submit")
    with pytest.raises(Forbidden) as refused:
        services.act(actor=od.editor, dataset_id=dataset.pk, version=None, action="publish")
    assert refused.value.code == lifecycle.REVIEWER.refusal_code
    with pytest.raises(InvalidInput):
        services.act(actor=od.leader, dataset_id=dataset.pk, version=None, action="return", reason=" ")
    services.act(actor=od.leader, dataset_id=dataset.pk, version=None, action="return", reason="Thiếu mô tả")
    publish(dataset, od.leader)
    with pytest.raises(Conflict) as wrong_state:
        services.act(actor=od.leader, dataset_id=dataset.pk, version=None, action="publish")
    assert wrong_state.value.code == "transition_not_allowed"
    withdrawn = services.act(
        actor=od.leader, dataset_id=dataset.pk, version=None, action="withdraw", reason="Sai số liệu"
    )
    assert withdrawn.state == State.WITHDRAWN
    assert [t.action for t in selectors.offered_actions(od.editor, withdrawn)] == ["reopen"]
    assert selectors.offered_actions(resident, withdrawn) == []


def test_search_folds_vietnamese(od):
    publish(make_dataset("truong-hoc", title="Trường học", notes="Trường tiểu học và trung học"))
    publish(make_dataset("dat-dai", title="Giá đất", theme="kinh-te-thuong-mai", tags=["Đất đai"]))
    publish(make_dataset("y-te", title="Cơ sở y tế", theme="y-te"))
    found = lambda q: [d.name for d in selectors.search(None, q=q).results]  # noqa: E731
    assert found("truong hoc") == ["truong-hoc"]
    assert found("TRƯỜNG HỌC") == ["truong-hoc"]
    assert found("dat dai") == ["dat-dai"] and found("đất") == ["dat-dai"] and found("dat") == ["dat-dai"]
    facets = selectors.search(None, facet_fields=["theme", "organization"]).facets
    assert dict(facets["theme"]) == {"giao-duc": 1, "kinh-te-thuong-mai": 1, "y-te": 1}
    assert dict(facets["organization"]) == {"so-tu-phap": 3}


def test_drafts_and_internal_data_stay_with_their_agency(od):
    make_dataset("ban-nhap")
    publish(make_dataset("noi-bo", access_level="internal"))
    publish(make_dataset("dung-chung", access_level="shared"))
    assert [d.name for d in selectors.visible(None)] == []
    assert sorted(d.name for d in selectors.visible(od.builder_editor)) == ["dung-chung"]
    assert sorted(d.name for d in selectors.visible(od.editor)) == ["ban-nhap", "dung-chung", "noi-bo"]


def test_the_six_month_review_is_flagged_when_overdue(od):
    from datetime import timedelta

    from django.utils import timezone

    dataset = publish(make_dataset())
    assert not selectors.review_overdue().exists()
    later = timezone.now() + timedelta(days=200)
    assert list(selectors.review_overdue(now=later)) == [dataset]
    assert [d.name for d in selectors.statistics(now=later).overdue] == ["truong-hoc"]
    services.mark_reviewed(actor=od.leader, dataset_id=dataset.pk, version=None)
    assert not selectors.review_overdue(now=timezone.now() + timedelta(days=100)).exists()
