"""Builders for catalog tests."""

from tinhso.catalog import services
from tinhso.catalog.models import Procedure
from tinhso.catalog.services import DocumentSpec, StepSpec


def republish(procedure: Procedure, **changes) -> Procedure:
    fields = {
        "code": procedure.code,
        "name": procedure.name,
        "sector": procedure.sector,
        "level": procedure.level,
        "authority": procedure.authority,
        "authority_name": procedure.authority_name,
        "online_level": procedure.online_level,
        "form_schema": procedure.form_schema,
        "documents": [
            DocumentSpec(d.name, d.form, d.mandatory, d.reusable_from) for d in procedure.documents.all()
        ],
        "steps": [
            StepSpec(s.name, s.role, s.unit_kind, s.hours, s.unit, s.name_en) for s in procedure.steps.all()
        ],
        "processing_days": procedure.processing_days,
        "processing_hours": procedure.processing_hours,
        "cutoff_time": procedure.cutoff_time,
        "fee": procedure.fee,
    }
    return services.publish_procedure(**({"actor": None} | fields | changes))
