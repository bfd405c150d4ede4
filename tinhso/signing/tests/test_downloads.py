"""The signed copies themselves go to their owner and to the officials of the units that see their dossier;
officials of other units get a 404, and the public verification page works for anyone."""

import pytest

from tinhso.dossiers import services as dossier_services
from tinhso.receipts import services as receipt_services
from tinhso.receipts.models import Receipt
from tinhso.signing import selectors, services
from tinhso.testing.dossier_flow import in_state

pytestmark = pytest.mark.django_db


def _url(document) -> str:
    return f"/xac-thuc/{document.code}/tai-ve/"


def test_a_signed_receipt_goes_to_the_officials_who_see_its_dossier_only(client, cast, signing_pki):
    dossier = in_state(cast, "payment")
    dossier_services.confirm_payment(
        actor=cast.desk, code=dossier.code, version=dossier.version, receipt="FT1"
    )
    receipt_services.issue_pending()
    services.sign_pending()
    receipt = Receipt.objects.get(dossier_code=dossier.code)
    signed = selectors.latest_of(subject=receipt.code, kind="receipt")
    assert signed is not None

    for official, status in ((cast.desk, 200), (cast.specialist, 200), (cast.other_commune_desk, 404)):
        client.force_login(official)
        assert client.get(_url(signed)).status_code == status
        shown = client.get(f"/xac-thuc/{signed.code}/").content.decode()
        assert (_url(signed) in shown) == (status == 200)
    client.logout()
    assert client.get(_url(signed)).status_code == 404
    assert client.get(f"/xac-thuc/{signed.code}/").status_code == 200  # anyone verifies by its code


def test_a_signed_form_goes_to_the_unit_of_its_dossier_not_to_another(client, cast, signing_pki):
    dossier = in_state(cast, "accepted")
    services.sign_pending()
    form = selectors.signed_form(dossier_code=dossier.code, form="giay-tiep-nhan")
    assert form is not None

    client.force_login(cast.commune_specialist)
    refused = client.get(_url(form))
    client.force_login(cast.desk)
    served = client.get(_url(form))

    assert refused.status_code == 404
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
