"""The committed lifecycle and event pages are those the declarations produce."""

import pytest

from tinhso.core.catalogue import DOCS, GENERATED


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_the_committed_page_is_up_to_date(name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](), f"docs/{name} is stale: run `tinhso docs`"
