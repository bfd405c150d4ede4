"""A map of the province drawn from the platform's own data (commune centres, report points), so it works
on a closed network without any tile server: points are projected onto an SVG frame."""

import math
from dataclasses import dataclass
from functools import cache

from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit

WIDTH = 600
PADDING_DEGREES = 0.08


@dataclass(frozen=True)
class Frame:
    """An equirectangular projection of the province's extent onto WIDTH × height pixels."""

    west: float
    north: float
    scale: float  # pixels per degree of longitude
    aspect: float  # cos(latitude) of the middle of the province
    height: int

    def xy(self, latitude: float, longitude: float) -> tuple[float, float]:
        x = (longitude - self.west) * self.scale
        y = (self.north - latitude) * self.scale / self.aspect
        return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    label: str
    code: str


@cache
def _frame_and_communes(province_pk: int) -> tuple[Frame, tuple[MapPoint, ...]]:
    communes = list(
        AdminUnit.objects.filter(parent_id=province_pk, kind=AdminUnit.Kind.COMMUNE, latitude__isnull=False)
    )
    south = min(unit.latitude for unit in communes) - PADDING_DEGREES
    north = max(unit.latitude for unit in communes) + PADDING_DEGREES
    west = min(unit.longitude for unit in communes) - PADDING_DEGREES
    east = max(unit.longitude for unit in communes) + PADDING_DEGREES
    # Longitude degrees shrink with cos(latitude); dividing y by it keeps shapes true.
    aspect = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / (east - west)
    frame = Frame(
        west=west, north=north, scale=scale, aspect=aspect, height=round((north - south) * scale / aspect)
    )
    points = tuple(
        MapPoint(*frame.xy(unit.latitude, unit.longitude), label=unit.name, code=unit.code)
        for unit in communes
    )
    return frame, points


def province_map() -> tuple[Frame, tuple[MapPoint, ...]]:
    """The frame and the commune centres of the configured province (computed once per process)."""
    return _frame_and_communes(core_selectors.province_unit().pk)
