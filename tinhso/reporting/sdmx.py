"""SDMX 2.1 (REST v1.5.0) publication of approved, public values: structure messages (dataflow, datastructure,
codelist, conceptscheme), structure-specific data and SDMX-CSV. Pure rendering over what selectors.published
returns; ids follow SDMX's rules (a unit code's dots become underscores)."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from xml.etree import ElementTree as ET

from django.utils import timezone

AGENCY = "TINHSO"
VERSION = "1.0"
MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STRUCTURE_TYPE = "application/vnd.sdmx.structure+xml; version=2.1"
DATA_TYPE = "application/vnd.sdmx.structurespecificdata+xml; version=2.1"
CSV_TYPE = "application/vnd.sdmx.data+csv; version=1.0.0"
for prefix, uri in (("mes", MES), ("str", STR), ("com", COM), ("ss", SS), ("xsi", XSI)):
    ET.register_namespace(prefix, uri)

DIMENSIONS = ("FREQ", "REF_AREA", "INDICATOR", "VALUE_KIND")
ATTRIBUTES = ("OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT", "CUTOFF_START", "CUTOFF_END")
CONCEPTS = {
    "FREQ": "Tần suất",
    "REF_AREA": "Đơn vị báo cáo",
    "INDICATOR": "Chỉ tiêu",
    "VALUE_KIND": "Loại giá trị",
    "TIME_PERIOD": "Kỳ báo cáo",
    "OBS_VALUE": "Giá trị",
    "OBS_STATUS": "Trạng thái số liệu",
    "CONF_STATUS": "Mức độ công khai",
    "UNIT_MEASURE": "Đơn vị tính",
    "UNIT_MULT": "Hệ số đơn vị",
    "CUTOFF_START": "Ngày bắt đầu kỳ chốt số liệu",
    "CUTOFF_END": "Ngày kết thúc kỳ chốt số liệu",
}
ENUMERATED = {"FREQ": "CL_FREQ", "REF_AREA": "CL_AREA", "INDICATOR": "CL_INDICATOR", "VALUE_KIND": "CL_VALUE_KIND",
              "OBS_STATUS": "CL_OBS_STATUS", "CONF_STATUS": "CL_CONF_STATUS"}  # fmt: skip
FIXED_CODELISTS = {
    "CL_FREQ": (
        "Tần suất",
        [("M", "Hằng tháng"), ("Q", "Hằng quý"), ("S", "6 tháng"), ("N9", "9 tháng"), ("A", "Hằng năm")],
    ),
    "CL_VALUE_KIND": ("Loại giá trị", [("PERIOD", "Thực hiện kỳ báo cáo"), ("YTD", "Lũy kế từ đầu năm")]),
    "CL_OBS_STATUS": ("Trạng thái số liệu", [("E", "Ước tính"), ("P", "Sơ bộ"), ("A", "Chính thức")]),
    "CL_CONF_STATUS": ("Mức độ công khai", [("F", "Công khai"), ("N", "Không công bố")]),
}


def sdmx_id(code: str) -> str:
    return code.replace(".", "_").replace("/", "_").replace(" ", "_")


# What TIME_PERIOD means in a flow, said in each dataflow's CUTOFF_MODE annotation: 2026-M03 is the month
# 15/02-14/03 under Decree 09/2019 Art. 12, the calendar month for a statistical regime.
CUTOFF_MODES = {
    "decree09": "Kỳ chốt số liệu theo Nghị định 09/2019/NĐ-CP, Điều 12 (tháng: từ ngày 15 tháng trước đến ngày 14); "
    "ngày đầu và ngày cuối của mỗi kỳ ở CUTOFF_START, CUTOFF_END.",
    "calendar": "Kỳ theo lịch, như báo cáo thống kê (tháng: từ ngày 1 đến ngày cuối tháng).",
}


@dataclass(frozen=True)
class Flow:
    id: str
    name: str
    frequency: str
    areas: list[tuple[str, str]]  # (id, name)
    indicators: list[tuple[str, str]]
    cutoff_mode: str = "decree09"

    @property
    def dsd(self) -> str:
        return f"DSD_{self.id}"


@dataclass(frozen=True)
class Observation:
    area: str
    indicator: str
    kind: str
    period: str  # SDMX reporting period: 2026-M03
    value: Decimal
    obs_status: str
    unit_measure: str
    unit_mult: int
    cutoff_start: str
    cutoff_end: str


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: value for key, value in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _name(parent: ET.Element, text: str) -> None:
    _el(parent, f"{{{COM}}}Name", text, **{XML_LANG: "vi"})


def _header(root: ET.Element, *, prepared: datetime) -> ET.Element:
    header = _el(root, f"{{{MES}}}Header")
    _el(header, f"{{{MES}}}ID", f"TINHSO{prepared:%Y%m%d%H%M%S}")
    _el(header, f"{{{MES}}}Test", "false")
    _el(header, f"{{{MES}}}Prepared", prepared.replace(microsecond=0).isoformat())
    _el(header, f"{{{MES}}}Sender", id=AGENCY)
    return header


def _ref(parent: ET.Element, wrapper: str, **attrs: str) -> None:
    _el(_el(parent, f"{{{STR}}}{wrapper}"), "Ref", **attrs)


def _concept_ref(parent: ET.Element, concept: str) -> None:
    _ref(parent, "ConceptIdentity", id=concept, maintainableParentID="CS_TINHSO", maintainableParentVersion=VERSION,
         agencyID=AGENCY, package="conceptscheme", **{"class": "Concept"})  # fmt: skip


def _representation(parent: ET.Element, concept: str) -> None:
    representation = _el(parent, f"{{{STR}}}LocalRepresentation")
    if concept in ENUMERATED:
        _el(_el(representation, f"{{{STR}}}Enumeration"), "Ref", id=ENUMERATED[concept], version=VERSION,
            agencyID=AGENCY, package="codelist", **{"class": "Codelist"})  # fmt: skip
    else:
        _el(representation, f"{{{STR}}}TextFormat", textType="String")


def structure(
    flows: list[Flow], *, parts: set[str], codelists: set[str] | None = None, prepared: datetime | None = None
) -> bytes:
    """A structure message holding the flows' `parts`: dataflow, codelist, conceptscheme, datastructure."""
    root = ET.Element(f"{{{MES}}}Structure")
    _header(root, prepared=prepared or timezone.now())
    structures = _el(root, f"{{{MES}}}Structures")
    if "dataflow" in parts:
        holder = _el(structures, f"{{{STR}}}Dataflows")
        for flow in flows:
            element = _el(holder, f"{{{STR}}}Dataflow", id=flow.id, agencyID=AGENCY, version=VERSION)
            annotation = _el(_el(element, f"{{{COM}}}Annotations"), f"{{{COM}}}Annotation", id="CUTOFF_MODE")
            _el(annotation, f"{{{COM}}}AnnotationTitle", flow.cutoff_mode)
            _el(annotation, f"{{{COM}}}AnnotationType", "CUTOFF_MODE")
            _el(annotation, f"{{{COM}}}AnnotationText", CUTOFF_MODES[flow.cutoff_mode], **{XML_LANG: "vi"})
            _name(element, flow.name)
            _ref(element, "Structure", id=flow.dsd, version=VERSION, agencyID=AGENCY, package="datastructure",
                 **{"class": "DataStructure"})  # fmt: skip
    if "codelist" in parts:
        holder = _el(structures, f"{{{STR}}}Codelists")
        areas = dict(area for flow in flows for area in flow.areas)
        indicators = dict(item for flow in flows for item in flow.indicators)
        lists = {**FIXED_CODELISTS, "CL_AREA": ("Đơn vị báo cáo", sorted(areas.items())),
                 "CL_INDICATOR": ("Chỉ tiêu", sorted(indicators.items()))}  # fmt: skip
        for codelist_id, (title, codes) in sorted(lists.items()):
            if codelists is not None and codelist_id not in codelists:
                continue
            element = _el(holder, f"{{{STR}}}Codelist", id=codelist_id, agencyID=AGENCY, version=VERSION)
            _name(element, title)
            for code, label in codes:
                _name(_el(element, f"{{{STR}}}Code", id=code), label)
    if "conceptscheme" in parts:
        holder = _el(structures, f"{{{STR}}}Concepts")
        scheme = _el(holder, f"{{{STR}}}ConceptScheme", id="CS_TINHSO", agencyID=AGENCY, version=VERSION)
        _name(scheme, "Khái niệm báo cáo của tỉnh")
        for concept, title in CONCEPTS.items():
            _name(_el(scheme, f"{{{STR}}}Concept", id=concept), title)
    if "datastructure" in parts:
        holder = _el(structures, f"{{{STR}}}DataStructures")
        for flow in flows:
            _datastructure(holder, flow)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _datastructure(holder: ET.Element, flow: Flow) -> None:
    element = _el(holder, f"{{{STR}}}DataStructure", id=flow.dsd, agencyID=AGENCY, version=VERSION)
    _name(element, flow.name)
    components = _el(element, f"{{{STR}}}DataStructureComponents")
    dimensions = _el(components, f"{{{STR}}}DimensionList", id="DimensionDescriptor")
    for position, concept in enumerate(DIMENSIONS, start=1):
        dimension = _el(dimensions, f"{{{STR}}}Dimension", id=concept, position=str(position))
        _concept_ref(dimension, concept)
        _representation(dimension, concept)
    time = _el(dimensions, f"{{{STR}}}TimeDimension", id="TIME_PERIOD", position=str(len(DIMENSIONS) + 1))
    _concept_ref(time, "TIME_PERIOD")
    _el(
        _el(time, f"{{{STR}}}LocalRepresentation"), f"{{{STR}}}TextFormat", textType="ObservationalTimePeriod"
    )
    attributes = _el(components, f"{{{STR}}}AttributeList", id="AttributeDescriptor")
    for concept in ATTRIBUTES:
        attribute = _el(attributes, f"{{{STR}}}Attribute", id=concept, assignmentStatus="Conditional")
        _concept_ref(attribute, concept)
        _representation(attribute, concept)
        relationship = _el(attribute, f"{{{STR}}}AttributeRelationship")
        _el(_el(relationship, f"{{{STR}}}PrimaryMeasure"), "Ref", id="OBS_VALUE")
    measures = _el(components, f"{{{STR}}}MeasureList", id="MeasureDescriptor")
    measure = _el(measures, f"{{{STR}}}PrimaryMeasure", id="OBS_VALUE")
    _concept_ref(measure, "OBS_VALUE")


def _series(observations: Iterable[Observation], frequency: str) -> dict[tuple, list[Observation]]:
    grouped: dict[tuple, list[Observation]] = defaultdict(list)
    for obs in observations:
        grouped[(frequency, obs.area, obs.indicator, obs.kind)].append(obs)
    for items in grouped.values():
        items.sort(key=lambda obs: obs.period)
    return dict(sorted(grouped.items()))


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def data(
    flow: Flow, observations: list[Observation], *, detail: str = "full", prepared: datetime | None = None
) -> bytes:
    """A structure-specific data message, series keyed by the flow's dimensions, time at the observation."""
    root = ET.Element(f"{{{MES}}}StructureSpecificData")
    header = _header(root, prepared=prepared or timezone.now())
    structure_id = f"{AGENCY}_{flow.dsd}_1_0"
    namespace = f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={AGENCY}:{flow.dsd}({VERSION})"
    declared = _el(header, f"{{{MES}}}Structure", structureID=structure_id, namespace=namespace,
                   dimensionAtObservation="TIME_PERIOD")  # fmt: skip
    _el(_el(declared, f"{{{COM}}}Structure"), "Ref", agencyID=AGENCY, id=flow.dsd, version=VERSION)
    dataset = _el(
        root,
        f"{{{MES}}}DataSet",
        **{f"{{{SS}}}dataScope": "DataStructure", f"{{{SS}}}structureRef": structure_id},
    )
    for key, items in _series(observations, flow.frequency).items():
        series = _el(dataset, "Series", **dict(zip(DIMENSIONS, key, strict=True)))
        if detail in ("serieskeysonly", "nodata"):
            continue
        for obs in items:
            attrs = {"TIME_PERIOD": obs.period, "OBS_VALUE": _number(obs.value)}
            if detail != "dataonly":
                attrs |= {"OBS_STATUS": obs.obs_status, "CONF_STATUS": "F", "UNIT_MEASURE": obs.unit_measure,
                          "UNIT_MULT": str(obs.unit_mult), "CUTOFF_START": obs.cutoff_start, "CUTOFF_END": obs.cutoff_end}  # fmt: skip
            _el(series, "Obs", **attrs)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def sdmx_csv(flow: Flow, observations: list[Observation], *, detail: str = "full") -> str:
    """SDMX-CSV 1.0: DATAFLOW, the dimensions, TIME_PERIOD, OBS_VALUE and the attributes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    attributes = () if detail == "dataonly" else ATTRIBUTES
    writer.writerow(["DATAFLOW", *DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *attributes])
    for key, items in _series(observations, flow.frequency).items():
        for obs in items:
            extra = (
                []
                if detail == "dataonly"
                else [obs.obs_status, "F", obs.unit_measure, obs.unit_mult, obs.cutoff_start, obs.cutoff_end]
            )
            writer.writerow([f"{AGENCY}:{flow.id}({VERSION})", *key, obs.period, _number(obs.value), *extra])
    return out.getvalue()


CODELISTS = (*FIXED_CODELISTS, "CL_AREA", "CL_INDICATOR")


def error(code: int, text: str) -> bytes:
    root = ET.Element(f"{{{MES}}}Error")
    message = _el(root, f"{{{MES}}}ErrorMessage", code=str(code))
    _el(message, f"{{{COM}}}Text", text, **{XML_LANG: "vi"})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
