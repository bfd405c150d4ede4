"""Files no row refers to (a request that failed after storing its upload) are swept once old enough."""

import os
import time

import pytest
from django.core.files.base import ContentFile

from tinhso.core import services as core_services
from tinhso.core.files import private_storage
from tinhso.testing.dossier_flow import in_state

pytestmark = pytest.mark.django_db


def aged(name: str, hours: float) -> str:
    path = private_storage().path(name)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))
    return name


def test_old_unreferenced_files_are_deleted_and_everything_else_kept(cast):
    dossier = in_state(cast, "finished")
    result = aged(dossier.result_file.name, 48)
    orphan = aged(private_storage().save("dossiers/results/2026/03/bo-do.pdf", ContentFile(b"%PDF-1.7")), 7)
    recent = private_storage().save("dossiers/results/2026/03/dang-luu.pdf", ContentFile(b"%PDF-1.7"))
    assert core_services.sweep_orphan_files() == 1
    assert not private_storage().exists(orphan)
    assert private_storage().exists(result) and private_storage().exists(recent)
