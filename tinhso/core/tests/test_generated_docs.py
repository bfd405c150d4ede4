"""The committed lifecycle and event pages are those the declarations produce."""

import pytest

from tinhso.core.catalogue import DOCS, GENERATED


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_the_committed_page_is_up_to_date(name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](), f"docs/{name} is stale: run `tinhso docs`"


def test_event_names_are_written_only_where_they_are_declared():
    """Writers and readers use the declared constants: a stored name spelt out elsewhere would not be found
    by grepping its constant (apps still to move to the catalogue are not checked yet)."""
    import ast
    import re
    from pathlib import Path

    from tinhso.core.catalogue import load_declarations
    from tinhso.core.events import CATALOGUE
    from tinhso.core.syntax import parse_module

    load_declarations()
    # ioc.* and reporting.* also name caches: there only the alert family and the declared names are checked.
    checked = re.compile(
        r"^((dossier|fieldreport|account|calendar|unit|procedure|bundle)\.[a-z_]+|ioc\.alert_[a-z_]+)$"
    )
    tinhso = Path(__file__).resolve().parents[2]
    spelt = []
    for app in (
        "core",
        "catalog",
        "dossiers",
        "fieldreports",
        "generator",
        "ioc",
        "notifications",
        "reporting",
    ):
        for path in (tinhso / app).rglob("*.py"):
            if path.name == "events.py" or "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(parse_module(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and (checked.match(node.value) or node.value in CATALOGUE)
                ):
                    spelt.append(f"{path.relative_to(tinhso)}:{node.lineno} {node.value}")
    assert spelt == []
    assert {"dossier.accepted", "fieldreport.escalated", "procedure.published", "ioc.alert_raised"} <= set(
        CATALOGUE
    )
