"""Dossier documents and results live outside any public URL and are answered only to those who may read
the dossier, with the content type checked at upload; a failed write leaves no file behind."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.core.files import private_storage
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing.dossier_flow import in_state, pdf
from tinhso.testing.dossiers import RECORD, RECORD_FORM

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%%EOF\n"


def test_documents_and_results_are_stored_outside_the_public_media_folder(cast):
    dossier = in_state(cast, "finished")
    media = Path(settings.MEDIA_ROOT).resolve()
    for stored in (dossier.result_file, dossier.documents.model(file="x").file):
        assert stored.storage is private_storage()
    path = Path(private_storage().path(dossier.result_file.name)).resolve()
    assert path.is_file() and not path.is_relative_to(media)
    assert not default_storage.exists(dossier.result_file.name)
    with pytest.raises(ValueError):
        print(dossier.result_file.url)


def test_an_attachment_is_answered_with_the_type_checked_at_upload_not_its_name(client, cast):
    client.force_login(cast.an)
    form = {"certificate_type": "Phiếu số 1", "purpose": "Bổ sung hồ sơ xin việc", "copies": "1"}
    evil = SimpleUploadedFile("evil.html", PDF, content_type="text/html")
    client.post(f"/thu-tuc/{RECORD}/nop/", form | {"attachments": [evil]})
    dossier = Dossier.objects.get()
    document = dossier.documents.get()
    download = client.get(f"/ho-so/{dossier.code}/giay-to/{document.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="evil.html"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    client.logout()
    anonymous = client.get(f"/ho-so/{dossier.code}/giay-to/{document.pk}/")
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]


def test_the_result_goes_to_officials_of_the_units_handling_it_and_to_the_owner_only(client, cast):
    dossier = in_state(cast, "finished")
    url = f"/ho-so/{dossier.code}/ket-qua/"
    for person, status in ((cast.leader, 200), (cast.ngoc, 404), (cast.commune_leader, 404)):
        client.force_login(person)
        assert client.get(url).status_code == status, person
    dossier = services.return_result(actor=cast.desk, code=dossier.code, version=dossier.version)
    client.force_login(cast.an)
    download = client.get(url)
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    assert download["Content-Disposition"] == f'attachment; filename="{dossier.code}.pdf"; ' + (
        f"filename*=UTF-8''{dossier.code}.pdf"
    )


def stored_names() -> set[str]:
    storage, found = private_storage(), set()
    folders = [""]
    while folders:
        folder = folders.pop()
        if not storage.exists(folder or "."):
            continue
        subfolders, names = storage.listdir(folder or ".")
        found |= {f"{folder}/{name}".lstrip("/") for name in names}
        folders += [f"{folder}/{sub}".lstrip("/") for sub in subfolders]
    return found


def test_a_finish_that_fails_after_storing_the_result_leaves_no_file(cast, monkeypatch):
    dossier = in_state(cast, "at_last_step")
    before = stored_names()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_enter_step", broken)
    with pytest.raises(RuntimeError):
        services.finish(actor=cast.leader, code=dossier.code, version=dossier.version, result_file=pdf())
    assert stored_names() == before
    assert not Dossier.objects.get(pk=dossier.pk).result_file


def test_attachments_of_a_refused_supplement_leave_no_file(cast, monkeypatch):
    dossier = in_state(cast, "new")
    before = stored_names()
    monkeypatch.setattr(services, "_commit", lambda *args, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.attach_documents(
            actor=cast.an, code=dossier.code, version=dossier.version, attachments=[pdf()]
        )
    assert stored_names() == before and not dossier.documents.exists()


def test_a_retried_submission_with_files_leaves_no_second_copy(cast):
    first, created = services.submit_dossier(
        actor=cast.an,
        procedure_code=RECORD,
        form_data=RECORD_FORM,
        idempotency_key="k-1",
        attachments=[pdf()],
    )
    before = stored_names()
    again, created_again = services.submit_dossier(
        actor=cast.an,
        procedure_code=RECORD,
        form_data=RECORD_FORM,
        idempotency_key="k-1",
        attachments=[pdf()],
    )
    assert (created, created_again, again) == (True, False, first)
    assert stored_names() == before


def test_files_stored_publicly_before_the_upgrade_move_to_the_private_storage(cast):
    dossier = in_state(cast, "processing")
    name = default_storage.save(f"dossiers/results/2026/03/{dossier.code}.pdf", ContentFile(PDF))
    Dossier.objects.filter(pk=dossier.pk).update(result_file=name)
    migration = importlib.import_module("tinhso.dossiers.migrations.0004_private_files")
    migration.move_to_private(apps, None)
    assert not default_storage.exists(name)
    with Dossier.objects.get(pk=dossier.pk).result_file.open("rb") as moved:
        assert moved.read() == PDF
