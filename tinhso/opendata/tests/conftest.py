"""The open-data tests' cast: two publishing agencies (Sở Tư pháp, Sở Xây dựng), their data officer and
leader, and builders for datasets and uploaded tables."""

import io
import unicodedata
from dataclasses import dataclass

import pytest

from tinhso.core.models import Domain, Role, User
from tinhso.opendata import datastore, services
from tinhso.opendata.models import Dataset, LoadJob, ResourceVersion
from tinhso.testing.factories import CONSTRUCTION, JUSTICE, official

SHAPE_MARKS = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn: part of a Windows-1258 letter


def windows_1258(text: str) -> bytes:
    """`text` as Vietnamese Windows-1258 writes it: base letters precomposed, tone marks combining."""
    out = bytearray()
    for character in text:
        parts = unicodedata.normalize("NFD", character)
        base = unicodedata.normalize("NFC", parts[0] + "".join(m for m in parts[1:] if m in SHAPE_MARKS))
        out += (base + "".join(m for m in parts[1:] if m not in SHAPE_MARKS)).encode("cp1258")
    return bytes(out)


@dataclass
class Cast:
    editor: User
    leader: User
    builder_editor: User
    citizen: User | None = None


@pytest.fixture
def od(db) -> Cast:
    services.register_organization(actor=None, unit_code=JUSTICE, name="so-tu-phap")
    services.register_organization(actor=None, unit_code=CONSTRUCTION, name="so-xay-dung")
    return Cast(
        editor=official("dulieu.stp", (Role.SPECIALIST, JUSTICE, Domain.OPEN_DATA)),
        leader=official("lanhdao.stp", (Role.UNIT_LEADER, JUSTICE, Domain.OPEN_DATA)),
        builder_editor=official("dulieu.sxd", (Role.SPECIALIST, CONSTRUCTION, Domain.OPEN_DATA)),
    )


def make_dataset(name: str = "truong-hoc", *, organization: str = "so-tu-phap", **fields) -> Dataset:
    values = {"title": "Danh sách trường học", "theme": "giao-duc", "frequency": "ANNUAL"} | fields
    return services.create_dataset(actor=None, organization=organization, name=name, **values)


def load(dataset: Dataset, content: bytes, filename: str = "bang.csv", **kwargs) -> ResourceVersion:
    """Uploads `content` as a new version and runs its load job here (as the job queue would)."""
    version = services.add_version(
        actor=None,
        dataset_id=dataset.pk,
        content=io.BytesIO(content),
        filename=filename,
        size=len(content),
        **kwargs,
    )
    services.run_load(job_id=version.job.pk)
    version.refresh_from_db()
    return version


def rows_of(version: ResourceVersion) -> list[dict]:
    """The version's rows as stored, from either store (typed table or JSON rows)."""
    names = [field["name"] for field in version.fields]
    return [dict(zip(names, values, strict=True)) for values in datastore.rows(version.pk, version.fields)]


def job(version: ResourceVersion) -> LoadJob:
    return LoadJob.objects.get(version=version)


def publish(dataset: Dataset, actor: User | None = None) -> Dataset:
    dataset = services.act(actor=actor, dataset_id=dataset.pk, version=None, action="submit")
    return services.act(actor=actor, dataset_id=dataset.pk, version=None, action="publish")


SCHOOLS = (
    "Tên trường,Cấp học,Xã phường,Số học sinh,Ngày thành lập\n"
    "Trường THPT Chuyên Phan Ngọc Hiển,THPT,Phường An Xuyên,1250,05/09/1990\n"
    "Trường THCS Nguyễn Văn Trỗi,THCS,Phường Tân Thành,980,01/09/1985\n"
    "Trường Tiểu học Đầm Dơi,Tiểu học,Xã Đầm Dơi,N/A,\n"
)
