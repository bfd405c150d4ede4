"""The catalogue's fixed lists with the IRIs DCAT-AP wants: the national portal's 12 themes (mapped to the EU
data themes), update frequencies, licences (CKAN's ids) and file formats (EU file types)."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

EU = "http://publications.europa.eu/resource/authority"


class Theme(models.TextChoices):
    """The 12 topic groups of data.gov.vn; in DCAT each is also given as the nearest EU data theme."""

    AGRICULTURE = "nong-nghiep", _("Nông nghiệp")
    ECONOMY = "kinh-te-thuong-mai", _("Kinh tế - thương mại")
    EDUCATION = "giao-duc", _("Giáo dục")
    HEALTH = "y-te", _("Y tế")
    LABOUR = "lao-dong", _("Lao động")
    ENVIRONMENT = "moi-truong", _("Môi trường")
    FINANCE = "tai-chinh", _("Tài chính")
    ENERGY = "nang-luong", _("Năng lượng")
    INFRASTRUCTURE = "co-so-ha-tang", _("Cơ sở hạ tầng")
    SOCIETY = "xa-hoi", _("Xã hội")
    TECHNOLOGY = "cong-nghe", _("Công nghệ")
    LOCAL = "dia-phuong", _("Địa phương")


EU_THEME = {
    Theme.AGRICULTURE: "AGRI", Theme.ECONOMY: "ECON", Theme.EDUCATION: "EDUC", Theme.HEALTH: "HEAL",
    Theme.LABOUR: "SOCI", Theme.ENVIRONMENT: "ENVI", Theme.FINANCE: "ECON", Theme.ENERGY: "ENER",
    Theme.INFRASTRUCTURE: "TRAN", Theme.SOCIETY: "SOCI", Theme.TECHNOLOGY: "TECH", Theme.LOCAL: "REGI",
}  # fmt: skip


class Frequency(models.TextChoices):
    DAILY = "DAILY", _("Hằng ngày")
    WEEKLY = "WEEKLY", _("Hằng tuần")
    MONTHLY = "MONTHLY", _("Hằng tháng")
    QUARTERLY = "QUARTERLY", _("Hằng quý")
    ANNUAL = "ANNUAL", _("Hằng năm")
    IRREGULAR = "IRREG", _("Không định kỳ")


class AccessLevel(models.TextChoices):
    """Law on Data 2024, Art. 3: open to anyone, shared among state bodies, or internal to one body."""

    OPEN = "open", _("Dữ liệu mở")
    SHARED = "shared", _("Dữ liệu dùng chung")
    INTERNAL = "internal", _("Dữ liệu dùng riêng")


@dataclass(frozen=True)
class Licence:
    id: str  # CKAN's licence id
    title: str
    url: str
    iri: str  # the EU licence authority's IRI


LICENCES = {
    licence.id: licence
    for licence in (
        Licence("cc-by", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/",
                f"{EU}/licence/CC_BY_4_0"),
        Licence("cc-zero", "Creative Commons CCZero", "https://creativecommons.org/publicdomain/zero/1.0/",
                f"{EU}/licence/CC0"),
        Licence("odc-by", "Open Data Commons Attribution License", "https://opendatacommons.org/licenses/by/1-0/",
                f"{EU}/licence/ODC_BY"),
    )
}  # fmt: skip
DEFAULT_LICENCE = "cc-by"


@dataclass(frozen=True)
class Format:
    label: str
    media_type: str
    extension: str

    @property
    def iri(self) -> str:
        return f"{EU}/file-type/{self.label}"


FORMATS = {
    item.label: item
    for item in (
        Format("CSV", "text/csv", "csv"),
        Format("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format("JSON", "application/json", "json"),
        Format("HTML", "text/html", "html"),
    )
}
