"""The datasets the platform publishes about itself, refreshed by a nightly job: the procedure catalogue, the
service index and field-report figures per unit and month, field reports (no reporter, no free text, places
coarsened to the commune and about a kilometre), the administrative units, and approved reported indicators.
Each refresh whose file differs from the current one is a new version of the dataset's one resource."""

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import DomainError
from tinhso.core.models import AdminUnit
from tinhso.core.working_time import local_zone
from tinhso.opendata import services
from tinhso.opendata.models import Dataset, Resource, State
from tinhso.opendata.vocabulary import Frequency, Theme

logger = logging.getLogger(__name__)
MONTHS = 12  # months of figures per unit in the index dataset
PLACE_DECIMALS = 2  # coordinates rounded to 0.01° (about 1.1 km)

Table = tuple[list[str], Iterable[list[Any]]]


@dataclass(frozen=True)
class Spec:
    source: str
    name: str
    title: Any
    notes: Any
    theme: str
    frequency: str
    tags: tuple[str, ...]
    build: Callable[[], Table]


def procedures() -> Table:
    from tinhso.catalog import selectors as catalog

    columns = ["ma_thu_tuc", "ten_thu_tuc", "linh_vuc", "cap_thuc_hien", "co_quan_giai_quyet",
               "thoi_han_ngay_lam_viec", "le_phi_dong", "muc_do_truc_tuyen"]  # fmt: skip
    rows = (
        [p.code, p.name, p.sector, p.get_level_display(), p.authority_name, p.processing_days, int(p.fee or 0),
         p.get_online_level_display()]
        for p in catalog.search_procedures().order_by("code")
    )  # fmt: skip
    return columns, rows


def _months(now: datetime) -> list[Any]:
    from tinhso.ioc import periods

    return periods.of(now).previous_months(MONTHS)


def service_index() -> Table:
    """Every indicator of the national service index and the field-report figures, per unit and month."""
    from tinhso.ioc import rules
    from tinhso.ioc import selectors as ioc

    province = core_selectors.province_unit()
    units = [province, *AdminUnit.objects.filter(parent=province).order_by("path")]
    indicators = [*rules.INDICATORS, *rules.EXTRA]
    columns = ["ma_don_vi", "ten_don_vi", "thang"] + [f"chi_so_{i.code}" for i in indicators]

    def rows() -> Iterable[list[Any]]:
        for period in _months(timezone.now()):
            for unit in units:
                sums = ioc.counter_sums(unit=unit, period=period.key)
                if not sums:
                    continue
                counts = ioc.catalog_counts(unit=unit)
                values = [rules.evaluate(i, sums, counts).rate for i in indicators]
                yield [unit.code, unit.name, period.key] + [
                    None if v is None else round(v * 100, 2) for v in values
                ]

    return columns, rows()


def field_reports() -> Table:
    from tinhso.fieldreports import selectors as fieldreports

    columns = ["linh_vuc", "xa_phuong", "ma_xa_phuong", "vi_do_lam_tron", "kinh_do_lam_tron", "ngay_phan_anh",
               "han_xu_ly", "ngay_xu_ly_xong", "trang_thai", "dung_han"]  # fmt: skip
    zone = local_zone()

    def day(instant: datetime | None) -> str | None:
        return instant.astimezone(zone).date().isoformat() if instant else None

    def rows() -> Iterable[list[Any]]:
        for report in fieldreports.public_reports().order_by("submitted_at").iterator(chunk_size=2000):
            on_time = (
                None
                if report.resolved_at is None
                else ("co" if report.resolved_at <= report.due_at else "khong")
            )
            yield [
                report.category.name, report.commune.name, report.commune.code,
                round(report.latitude, PLACE_DECIMALS), round(report.longitude, PLACE_DECIMALS),
                day(report.submitted_at), day(report.due_at), day(report.resolved_at),
                report.get_status_display(), on_time,
            ]  # fmt: skip

    return columns, rows()


def admin_units() -> Table:
    columns = [
        "ma",
        "ten",
        "loai",
        "cap_tren",
        "vi_do",
        "kinh_do",
        "dien_tich_km2",
        "hieu_luc_tu",
        "hieu_luc_den",
    ]
    rows = (
        [u.code, u.name, u.category or u.get_kind_display(), u.parent.code if u.parent else None, u.latitude,
         u.longitude, u.area_km2, u.valid_from.isoformat(), u.valid_to.isoformat() if u.valid_to else None]
        for u in core_selectors.units_under(core_selectors.province_unit())
        .select_related("parent")
        .filter(kind__in=(AdminUnit.Kind.PROVINCE, AdminUnit.Kind.COMMUNE))
        .order_by("path")
    )  # fmt: skip
    return columns, rows


def reported_indicators() -> Table:
    from tinhso.reporting import selectors as reporting

    columns = [
        "che_do_bao_cao",
        "ma_don_vi",
        "chi_tieu",
        "ky",
        "gia_tri",
        "don_vi_tinh",
        "trang_thai_so_lieu",
    ]

    def rows() -> Iterable[list[Any]]:
        for flow in reporting.published_flows():
            for obs in reporting.published(flow.id, key=[]):
                yield [
                    flow.id,
                    obs.area,
                    obs.indicator,
                    obs.period,
                    obs.value,
                    obs.unit_measure,
                    obs.obs_status,
                ]

    return columns, rows()


SPECS = (
    Spec("procedures", "thu-tuc-hanh-chinh", _("Danh mục thủ tục hành chính"),
         _("Các thủ tục hành chính đang áp dụng: mã, tên, lĩnh vực, cấp thực hiện, thời hạn giải quyết, lệ phí."),
         Theme.LOCAL, Frequency.DAILY, ("thủ tục hành chính", "dịch vụ công"), procedures),
    Spec("service_index", "chi-so-phuc-vu-nguoi-dan", _("Bộ chỉ số phục vụ người dân, doanh nghiệp theo đơn vị và tháng"),
         _("Các chỉ số theo Quyết định 766/QĐ-TTg và số liệu phản ánh hiện trường của từng đơn vị, theo tháng (tỷ lệ %)."),
         Theme.LOCAL, Frequency.MONTHLY, ("chỉ số 766", "dịch vụ công", "phản ánh hiện trường"), service_index),
    Spec("field_reports", "phan-anh-hien-truong", _("Phản ánh hiện trường"),
         _("Các phản ánh hiện trường đã tiếp nhận: lĩnh vực, xã/phường, vị trí làm tròn khoảng 1 km, ngày, trạng thái. "
           "Không có người phản ánh và nội dung tự do."),
         Theme.SOCIETY, Frequency.DAILY, ("phản ánh hiện trường", "đô thị"), field_reports),
    Spec("admin_units", "don-vi-hanh-chinh", _("Đơn vị hành chính"),
         _("Tỉnh, xã, phường, đặc khu: mã theo danh mục dùng chung, tên, cấp trên, tọa độ, diện tích, hiệu lực."),
         Theme.LOCAL, Frequency.IRREGULAR, ("đơn vị hành chính", "danh mục dùng chung"), admin_units),
    Spec("reported_indicators", "chi-tieu-bao-cao", _("Chỉ tiêu báo cáo định kỳ đã phê duyệt"),
         _("Số liệu các chỉ tiêu của chế độ báo cáo định kỳ, sau khi cấp trên phê duyệt."),
         Theme.ECONOMY, Frequency.MONTHLY, ("báo cáo định kỳ", "thống kê"), reported_indicators),
)  # fmt: skip


def csv_bytes(table: Table) -> bytes:
    columns, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8")


def _dataset(spec: Spec) -> Dataset:
    existing = Dataset.objects.filter(source=spec.source).first()
    if existing is not None:
        return existing
    publisher = services.register_organization(actor=None, unit_code=core_selectors.province_unit().code)
    return services.create_dataset(
        actor=None, organization=publisher.name, name=spec.name, title=str(spec.title), notes=str(spec.notes),
        theme=spec.theme, frequency=spec.frequency, tags=list(spec.tags), source=spec.source,
        spatial=core_selectors.province_unit().code,
    )  # fmt: skip


def refresh(spec: Spec, *, now: datetime | None = None) -> Dataset:
    """Builds the dataset's file; a new version when it changed, loaded at once; publishes a first load."""
    dataset = _dataset(spec)
    content = csv_bytes(spec.build())
    resource = Resource.objects.filter(dataset=dataset).select_related("current").first()
    unchanged = (
        resource is not None and resource.current is not None and resource.current.sha256 == _sha(content)
    )
    if not unchanged:
        version = services.add_version(
            actor=None, dataset_id=dataset.pk, content=io.BytesIO(content), filename=f"{spec.name}.csv",
            size=len(content), name=str(spec.title), resource_id=resource.pk if resource else None,
            data_as_of=now or timezone.now(),
        )  # fmt: skip
        services.run_load(job_id=version.job.pk)
    dataset.refresh_from_db()
    try:
        if dataset.state == State.DRAFT:
            dataset = services.act(actor=None, dataset_id=dataset.pk, version=None, action="submit")
        if dataset.state == State.REVIEW:
            dataset = services.act(actor=None, dataset_id=dataset.pk, version=None, action="publish")
    except DomainError as refusal:  # left for a reviewer to decide (e.g. the guard found something)
        logger.warning("Platform dataset %s not published: %s", spec.name, refusal)
    return dataset


def _sha(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def refresh_all(*, now: datetime | None = None) -> list[Dataset]:
    refreshed = []
    for spec in SPECS:
        try:
            refreshed.append(refresh(spec, now=now))
        except Exception:  # one failing builder leaves the other datasets refreshed
            logger.exception("Refreshing the platform dataset %s failed", spec.name)
    return refreshed
