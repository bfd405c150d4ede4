"""Brings a dossier to each state of its lifecycle through the services, as real users would."""

from datetime import timedelta

from django.core.files.base import ContentFile

from tinhso.core.models import Role, User
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, Status
from tinhso.testing.dossiers import RECORD, RECORD_FORM, Cast
from tinhso.testing.factories import CONSTRUCTION


def pdf() -> ContentFile:
    return ContentFile(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", name="phieu-lltp.pdf")


def step_actor(cast: Cast, dossier: Dossier) -> User:
    role = dossier.current_step.role if dossier.current_step else Role.RECEPTIONIST
    actors: dict[str, User] = {
        Role.RECEPTIONIST: cast.desk,
        Role.SPECIALIST: cast.specialist,
        Role.UNIT_LEADER: cast.leader,
    }
    return actors[role]


def submitted(cast: Cast) -> Dossier:
    dossier, _ = services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)
    return dossier


def _advance(dossier: Dossier, call, actor: User, **kwargs) -> Dossier:
    return call(actor=actor, code=dossier.code, version=dossier.version, **kwargs)


def in_state(cast: Cast, state: str) -> Dossier:
    """A dossier of the judicial record procedure in `state` (see STATES)."""
    dossier = submitted(cast)
    if state == "new":
        return dossier
    if state == "refused":
        return _advance(
            dossier, services.refuse, cast.desk, reason="Tờ khai không có chữ ký của người yêu cầu."
        )
    dossier = _advance(dossier, services.accept, cast.desk)
    if state == "accepted":
        return dossier
    dossier = _advance(dossier, services.forward, cast.desk)
    if state == "processing":
        return dossier
    if state == "supplement":
        return _advance(
            dossier, services.request_supplement, cast.specialist, reason="Bổ sung quá trình cư trú."
        )
    if state == "withdrawn":
        return _advance(dossier, services.withdraw, cast.an, reason="Không còn nhu cầu.")
    if state == "payment":
        return _advance(dossier, services.request_payment, cast.specialist, amount=200000)
    if state == "stopped":
        return _advance(dossier, services.stop, cast.leader, reason="Người yêu cầu không bổ sung hồ sơ.")
    dossier = _advance(dossier, services.forward, cast.specialist)
    if state == "at_last_step":
        return dossier
    dossier = _advance(dossier, services.finish, cast.leader, result_file=pdf())
    if state == "finished":
        return dossier
    dossier = _advance(dossier, services.return_result, cast.desk)
    assert state == "returned", state
    return dossier


STATES = (
    "new",
    "refused",
    "accepted",
    "processing",
    "supplement",
    "payment",
    "withdrawn",
    "stopped",
    "at_last_step",
    "finished",
    "returned",
)


STATUS_OF = {
    "new": Status.NEW,
    "refused": Status.REFUSED,
    "accepted": Status.ACCEPTED,
    "processing": Status.PROCESSING,
    "supplement": Status.SUPPLEMENT,
    "payment": Status.PAYMENT,
    "withdrawn": Status.WITHDRAWN,
    "stopped": Status.STOPPED,
    "at_last_step": Status.PROCESSING,
    "finished": Status.FINISHED,
    "returned": Status.RETURNED,
}


def entitled(cast: Cast, dossier: Dossier, action: str) -> User:
    """The user who would be entitled to `action` on the dossier, so only its state can forbid it."""
    by_step = step_actor(cast, dossier)
    return {
        "accept": cast.desk,
        "refuse": cast.desk,
        "request_supplement": cast.desk if dossier.status == Status.NEW else by_step,
        "answer_supplement": cast.an,
        "attach_documents": cast.an,
        "forward": by_step,
        "send_back": by_step,
        "apologize": cast.leader,
        "stop": cast.leader,
        "consult": by_step,
        "request_payment": by_step,
        "confirm_payment": cast.desk,
        "answer_consultation": cast.specialist,
        "finish": by_step,
        "return_result": cast.desk,
        "return": cast.desk,
        "withdraw": cast.an,
        "rate": cast.an,
    }[action]


def act(cast: Cast, dossier: Dossier, action: str) -> Dossier:
    """Performs `action` as the user who would be entitled to it, so only the state can forbid it."""
    version = dossier.version
    code = dossier.code
    actor = entitled(cast, dossier, action)
    later = (dossier.promised_at or dossier.submitted_at) + timedelta(days=5)
    calls = {
        "accept": lambda: services.accept(actor=actor, code=code, version=version),
        "refuse": lambda: services.refuse(actor=actor, code=code, version=version, reason="Thiếu tờ khai."),
        "request_supplement": lambda: services.request_supplement(
            actor=actor, code=code, version=version, reason="Bổ sung."
        ),
        "answer_supplement": lambda: services.answer_supplement(actor=actor, code=code, version=version),
        "attach_documents": lambda: services.attach_documents(
            actor=actor, code=code, version=version, attachments=[pdf()]
        ),
        "forward": lambda: services.forward(actor=actor, code=code, version=version),
        "send_back": lambda: services.send_back(actor=actor, code=code, version=version, reason="Xem lại."),
        "apologize": lambda: services.apologize(
            actor=actor, code=code, version=version, new_promised_at=later, reason="Chờ xác minh."
        ),
        "stop": lambda: services.stop(actor=actor, code=code, version=version, reason="Theo đề nghị."),
        "consult": lambda: services.consult(
            actor=actor, code=code, version=version, unit_code=CONSTRUCTION, question="Xin ý kiến."
        ),
        "request_payment": lambda: services.request_payment(
            actor=actor, code=code, version=version, amount=50000
        ),
        "confirm_payment": lambda: services.confirm_payment(
            actor=actor, code=code, version=version, receipt="BL-0001234"
        ),
        "answer_consultation": lambda: services.answer_consultation(
            actor=actor, code=code, version=version, answer="Đồng ý."
        ),
        "finish": lambda: services.finish(actor=actor, code=code, version=version, result_file=pdf()),
        "return_result": lambda: services.return_result(actor=actor, code=code, version=version),
        "return": lambda: services.return_result(actor=actor, code=code, version=version),
        "withdraw": lambda: services.withdraw(actor=actor, code=code, version=version),
        "rate": lambda: services.rate(actor=actor, code=code, version=version, rating=3),
    }
    return calls[action]()
