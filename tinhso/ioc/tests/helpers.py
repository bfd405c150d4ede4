"""Drives dossiers through the real services for the IOC tests, under a controllable clock."""

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.testing.dossier_flow import pdf
from tinhso.testing.dossiers import RECORD, RECORD_FORM, Cast


def submit(cast: Cast, *, online: bool = True) -> Dossier:
    if online:
        dossier, _ = services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)
    else:
        dossier, _ = services.submit_dossier(
            actor=cast.desk,
            procedure_code=RECORD,
            form_data=RECORD_FORM,
            channel=1,
            applicant_citizen_id=cast.an.citizen_id,
        )
    return dossier


def act(dossier: Dossier, call, actor, **kwargs) -> Dossier:
    return call(actor=actor, code=dossier.code, version=Dossier.objects.get(pk=dossier.pk).version, **kwargs)


def accept(cast: Cast, dossier: Dossier) -> Dossier:
    """Accepted at the desk and handed to the specialist (where supplements are asked for)."""
    dossier = act(dossier, services.accept, cast.desk)
    return act(dossier, services.forward, cast.desk)


def finish(cast: Cast, dossier: Dossier) -> Dossier:
    dossier = act(dossier, services.forward, cast.specialist)
    return act(dossier, services.finish, cast.leader, result_file=pdf())


def supplement(cast: Cast, dossier: Dossier) -> Dossier:
    return act(dossier, services.request_supplement, cast.specialist, reason="Bổ sung bản sao căn cước.")


def answer(cast: Cast, dossier: Dossier) -> Dossier:
    return act(dossier, services.answer_supplement, cast.an, note="Đã bổ sung.")


def returned_and_rated(cast: Cast, dossier: Dossier, rating: int) -> Dossier:
    dossier = act(dossier, services.return_result, cast.desk)
    return act(dossier, services.rate, cast.an, rating=rating)
