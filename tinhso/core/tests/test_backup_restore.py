"""docs/operations.md's backup and restore, run for real (issue 19, item 14): a demo database and its files
are dumped, restored into a new database and folders, and the copy passes `tinhso verify-log` with the same
row count in every table and the same bytes in every file."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "backup_restore_check.sh"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: the procedure is pg_dump and pg_restore",
    ),
]


def test_a_backup_of_the_demo_database_restores_and_passes_verify_log(tmp_path):
    database = settings.DATABASES["default"]
    server = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    environ = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TINHSO_ENV")}
    environ |= {"TINHSO_VAR_DIR": str(tmp_path / "var"), "TMPDIR": str(tmp_path)}
    run = subprocess.run(
        [str(SCRIPT), "--server", server], env=environ, capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Nhật ký sự kiện nguyên vẹn" in run.stdout
    assert "same counts" in run.stdout and "backup restored and verified" in run.stdout
    assert "each head at its last event, kept by the log's trigger" in run.stdout
    assert not [line for line in run.stdout.splitlines() if line.startswith("kept:")]
