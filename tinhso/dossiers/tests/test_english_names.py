"""Workflow step names are data: in English mode they show in English where one is kept."""

import pytest
from django.conf import settings

from tinhso.catalog.demo import STEP_PLAN
from tinhso.catalog.names import STEP_NAMES_EN
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.factories import bearer

pytestmark = pytest.mark.django_db


def test_every_usual_step_has_an_english_name():
    assert {name for *_, name in STEP_PLAN} == set(STEP_NAMES_EN)


def test_the_current_step_reads_in_the_reader_language(client, cast):
    dossier = in_state(cast, "accepted")
    step = dossier.current_step
    assert step.name_en and step.name_en != step.name
    client.force_login(cast.an)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert step.name_en in page and step.name not in page
    client.force_login(cast.desk)
    queue = client.get("/can-bo/ho-so/").content.decode()
    assert step.name_en in queue and step.name not in queue
    read = client.get(f"/api/v1/dossiers/{dossier.code}", HTTP_ACCEPT_LANGUAGE="en", **bearer("096090001234"))
    assert read.json()["current_step_name"] == step.name_en
