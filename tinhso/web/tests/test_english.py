"""English is complete: every text the code marks for translation has its English in the catalogue
(Django's makemessages extracts them, as a translator would, into a scratch copy of the tree)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed"
)


def test_every_marked_text_has_its_english(tmp_path):
    source = Path(settings.BASE_DIR) / "tinhso"
    copy = tmp_path / "tinhso"
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("tests", "testing", "static", "__pycache__", "*.mo")
    )
    extracted = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--settings=tinhso.settings"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "DATABASE_URL": "", "TINHSO_ENV": "test"},
        capture_output=True,
        text=True,
    )
    assert extracted.returncode == 0, extracted.stderr[-2000:]
    catalogue = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    missing = [
        f"{entry.msgid} ({entry.occurrences[0][0]})"
        # A fuzzy entry is msgmerge's guess from a similar text: not compiled, so no English either.
        for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries()
        if not entry.obsolete
    ]
    assert missing == []
