"""Demo payments: a dossier of the demo citizen (congdan) waiting in status 6 for its fee, to be paid through
the local sandbox gateway, beside the dossier whose fee is due at submission. Made once, through the services."""

from django.db import transaction

from tinhso.core.models import User
from tinhso.dossiers import services
from tinhso.dossiers.demo import RECORD_FORM, papers
from tinhso.payments.models import PaymentOrder

RECORD = "H12-LLTP-01"


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    citizen = User.objects.filter(username="congdan").first()
    if not with_accounts or citizen is None or PaymentOrder.objects.exists():
        return []
    desk, specialist = User.objects.get(username="motcua"), User.objects.get(username="chuyenvien")
    form = RECORD_FORM | {"purpose": "Bổ sung hồ sơ đi du học", "copies": 2}
    dossier, _ = services.submit_dossier(
        actor=citizen, procedure_code=RECORD, form_data=form, documents=papers(RECORD)
    )
    dossier = services.accept(actor=desk, code=dossier.code, version=dossier.version)
    dossier = services.forward(actor=desk, code=dossier.code, version=dossier.version)
    services.request_payment(
        actor=specialist,
        code=dossier.code,
        version=dossier.version,
        amount=205_000,
        note="Phí cấp Phiếu lý lịch tư pháp 200.000 đồng và 5.000 đồng phiếu thứ hai",
    )
    return []
