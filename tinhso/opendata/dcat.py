"""DCAT-AP 3 of the catalogue: the whole catalogue paged (`/catalog.ttl?page=N`, with hydra paging as
ckanext-dcat does) and each dataset (`/dataset/<name>.ttl|.jsonld|.rdf`). Formats, licences, themes and
frequencies are IRIs of the EU vocabularies, as the DCAT-AP shapes require (a literal format fails them)."""

from datetime import UTC, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from tinhso.core.errors import DomainError
from tinhso.opendata import selectors
from tinhso.opendata.models import Dataset
from tinhso.opendata.vocabulary import EU, EU_THEME, FORMATS, LICENCES, Theme

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
PAGE_SIZE = 100
FORMATS_OUT = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"),
               "rdf": ("xml", "application/rdf+xml")}  # fmt: skip


def _uri(request: HttpRequest, path: str) -> URIRef:
    return URIRef(request.build_absolute_uri(path))


def _date(value: datetime) -> Literal:
    return Literal(value.astimezone(UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _typed(graph: Graph, subject: URIRef, predicate: URIRef, iri: str, kind: URIRef) -> None:
    """A link to a vocabulary's IRI, stating its class (the DCAT-AP shapes check it, with no inference)."""
    graph.add((subject, predicate, URIRef(iri)))
    graph.add((URIRef(iri), RDF.type, kind))


def add_dataset(graph: Graph, request: HttpRequest, dataset: Dataset) -> URIRef:
    node = _uri(request, reverse("opendata:dataset", args=[dataset.name]))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.pk))))
    graph.add((node, DCTERMS.title, Literal(dataset.title, lang="vi")))
    graph.add((node, DCTERMS.description, Literal(dataset.notes or dataset.title, lang="vi")))
    graph.add((node, DCTERMS.issued, _date(dataset.published_at or dataset.created_at)))
    graph.add((node, DCTERMS.modified, _date(dataset.modified_at)))
    _typed(graph, node, DCTERMS.accrualPeriodicity, f"{EU}/frequency/{dataset.frequency}", DCTERMS.Frequency)
    if dataset.theme in Theme.values:
        theme = f"{EU}/data-theme/{EU_THEME[Theme(dataset.theme)]}"
        _typed(graph, node, DCAT.theme, theme, SKOS.Concept)
        graph.add((URIRef(theme), SKOS.prefLabel, Literal(dataset.get_theme_display(), lang="vi")))
    for tag in dataset.tags.all():
        graph.add((node, DCAT.keyword, Literal(tag.name, lang="vi")))
    publisher = _uri(request, reverse("opendata:search") + f"?organization={dataset.organization.name}")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(dataset.organization.title, lang="vi")))
    if dataset.contact_email:
        contact = BNode()
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        graph.add((contact, VCARD.fn, Literal(dataset.contact_name or dataset.organization.title)))
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
    licence = LICENCES.get(dataset.license_id)
    for resource in dataset.resources.all():
        distribution = _uri(request, reverse("opendata:dataset", args=[dataset.name]) + f"#{resource.pk}")
        graph.add((node, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(resource.name, lang="vi")))
        download = resource.url or request.build_absolute_uri(
            reverse("opendata:download", args=[resource.pk, "csv"])
        )
        graph.add((distribution, DCAT.accessURL, URIRef(download)))
        if not resource.url:
            graph.add((distribution, DCAT.downloadURL, URIRef(download)))
        kind = FORMATS.get(resource.format)
        if kind is not None:
            _typed(graph, distribution, DCTERMS["format"], kind.iri, DCTERMS.MediaTypeOrExtent)
            media = f"https://www.iana.org/assignments/media-types/{kind.media_type}"
            _typed(graph, distribution, DCAT.mediaType, media, DCTERMS.MediaType)
        if licence is not None:
            _typed(graph, distribution, DCTERMS.license, licence.iri, DCTERMS.LicenseDocument)
        if resource.current is not None:
            graph.add(
                (distribution, DCAT.byteSize, Literal(resource.current.size, datatype=XSD.nonNegativeInteger))
            )
            graph.add((distribution, DCTERMS.modified, _date(resource.current.data_as_of)))
    return node


def _catalog_node(graph: Graph, request: HttpRequest) -> URIRef:
    node = _uri(request, reverse("opendata:search"))
    graph.add((node, RDF.type, DCAT.Catalog))
    graph.add((node, DCTERMS.title, Literal("Danh mục dữ liệu mở", lang="vi")))
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal("Dữ liệu mở và dữ liệu dùng chung của tỉnh, theo DCAT-AP 3.", lang="vi"),
        )
    )
    publisher = _uri(request, "/")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal("Ủy ban nhân dân tỉnh", lang="vi")))
    return node


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("hydra", HYDRA), ("vcard", VCARD),
                              ("skos", SKOS)):  # fmt: skip
        graph.bind(prefix, namespace)
    return graph


def _answer(graph: Graph, fmt: str) -> HttpResponse:
    syntax, media_type = FORMATS_OUT[fmt]
    return HttpResponse(graph.serialize(format=syntax), content_type=f"{media_type}; charset=utf-8")


def catalog_graph(request: HttpRequest, *, page: int) -> Graph:
    graph = _graph()
    catalog = _catalog_node(graph, request)
    found = selectors.search(None, rows=PAGE_SIZE, start=(page - 1) * PAGE_SIZE, sort="name asc")
    for dataset in found.results:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, request, dataset)))
    paging = _uri(request, f"{request.path}?page={page}")
    last = max(1, -(-found.count // PAGE_SIZE))
    graph.add((paging, RDF.type, HYDRA.PagedCollection))
    graph.add((paging, HYDRA.totalItems, Literal(found.count, datatype=XSD.integer)))
    graph.add((paging, HYDRA.itemsPerPage, Literal(PAGE_SIZE, datatype=XSD.integer)))
    graph.add((paging, HYDRA.firstPage, _uri(request, f"{request.path}?page=1")))
    graph.add((paging, HYDRA.lastPage, _uri(request, f"{request.path}?page={last}")))
    if page < last:
        graph.add((paging, HYDRA.nextPage, _uri(request, f"{request.path}?page={page + 1}")))
    if page > 1:
        graph.add((paging, HYDRA.previousPage, _uri(request, f"{request.path}?page={page - 1}")))
    return graph


@require_GET
def catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    return _answer(catalog_graph(request, page=page), fmt)


@require_GET
def dataset(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    try:
        found = selectors.dataset_shown(None, name)
    except DomainError:
        raise Http404(name) from None
    graph = _graph()
    add_dataset(graph, request, found)
    return _answer(graph, fmt)
