"""Compiles every .po catalogue under tinhso/locale to .mo with polib (no GNU gettext needed)."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "tinhso" / "locale"

for po_path in LOCALE.glob("*/LC_MESSAGES/*.po"):
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {mo_path.relative_to(LOCALE.parent.parent)}")
