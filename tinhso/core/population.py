"""The population registry interface: a real connector to the national population database replaces
the local implementation by setting TINHSO_POPULATION_REGISTRY to its dotted path."""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from tinhso.core import caching


@dataclass(frozen=True)
class Identity:
    citizen_id: str
    full_name: str
    birth_date: date
    sex: str
    permanent_address: str
    permanent_commune_code: str | None


class PopulationRegistry(Protocol):
    def lookup(self, citizen_id: str) -> Identity | None: ...


class LocalPopulationRegistry:
    """Reads the platform's own PopulationRecord table (demo and closed deployments)."""

    def lookup(self, citizen_id: str) -> Identity | None:
        from tinhso.core.models import PopulationRecord

        record = (
            PopulationRecord.objects.select_related("permanent_commune").filter(citizen_id=citizen_id).first()
        )
        if record is None:
            return None
        commune = record.permanent_commune
        return Identity(
            citizen_id=record.citizen_id,
            full_name=record.full_name,
            birth_date=record.birth_date,
            sex=record.sex,
            permanent_address=record.permanent_address,
            permanent_commune_code=commune.code if commune else None,
        )


@caching.memo("core.population_registry", maxsize=1)
def population_registry() -> PopulationRegistry:
    return import_string(settings.TINHSO_POPULATION_REGISTRY)()
