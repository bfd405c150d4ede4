"""One table of Idempotency-Keys serves every creating call: each call's keys are its own, each retry finds
what its first request created."""

import pytest

from tinhso.core.models import IdempotencyKey
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.submission import IDEMPOTENCY_SCOPE as SUBMISSION
from tinhso.fieldreports.services import IDEMPOTENCY_SCOPE as FILING
from tinhso.testing.dossiers import RECORD, RECORD_FORM
from tinhso.testing.fieldreport_helpers import file_report

pytestmark = pytest.mark.django_db


def submit(actor, key):
    return dossier_services.submit_dossier(
        actor=actor, procedure_code=RECORD, form_data=RECORD_FORM, idempotency_key=key
    )


def test_a_dossier_and_a_report_with_one_key_are_each_found_again(cast, categories):
    dossier, created = submit(cast.an, "2026-03-10-a")
    report = file_report(reporter=cast.an, idempotency_key="2026-03-10-a")
    assert created
    stored = IdempotencyKey.objects.order_by("scope").values_list("user", "scope", "key", "created_id")
    assert list(stored) == [
        (cast.an.pk, SUBMISSION, "2026-03-10-a", dossier.pk),
        (cast.an.pk, FILING, "2026-03-10-a", report.pk),
    ]
    assert submit(cast.an, "2026-03-10-a") == (dossier, False)
    assert file_report(reporter=cast.an, idempotency_key="2026-03-10-a") == report
    assert IdempotencyKey.objects.count() == 2
