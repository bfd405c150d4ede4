"""DCAT-AP 3: the catalogue and each dataset in Turtle, JSON-LD and RDF/XML validate against the DCAT-AP 3.0.1
SHACL shapes (shipped as test data, CC-BY 4.0) with pyshacl, offline; a literal format fails them."""

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from tinhso.opendata.tests.conftest import SCHOOLS, load, make_dataset, publish

pytestmark = pytest.mark.django_db
SHAPES = Graph().parse(Path(__file__).parent / "data" / "dcat-ap-3.0.1-SHACL.ttl", format="turtle")
SYNTAX = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


@pytest.fixture
def catalogue(od):
    schools = make_dataset("truong-hoc", tags=["giáo dục"], contact_email="dulieu@stp.camau.gov.vn",
                           contact_name="Phòng Hành chính tư pháp")  # fmt: skip
    load(schools, SCHOOLS.encode())
    publish(schools)
    publish(
        make_dataset("cau-duong", organization="so-xay-dung", title="Cầu đường bộ", theme="co-so-ha-tang")
    )
    return schools


def conforms(graph: Graph) -> tuple[bool, str]:
    result, _graph, text = validate(graph, shacl_graph=SHAPES, inference="none")
    return result, text


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_the_catalogue_and_a_dataset_validate_against_dcat_ap_3(catalogue, client, fmt):
    reply = client.get(f"/catalog.{fmt}")
    assert reply.status_code == 200
    graph = Graph().parse(data=reply.content, format=SYNTAX[fmt])
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 2
    ok, report = conforms(graph)
    assert ok, report
    one = Graph().parse(data=client.get(f"/dataset/truong-hoc.{fmt}").content, format=SYNTAX[fmt])
    ok, report = conforms(one)
    assert ok, report
    formats = set(one.objects(None, DCTERMS["format"]))
    assert formats == {URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")}
    assert URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0") in set(
        one.objects(None, DCTERMS.license)
    )


def test_a_literal_format_or_a_missing_access_url_fails_the_shapes(catalogue, client):
    graph = Graph().parse(data=client.get("/dataset/truong-hoc.ttl").content, format="turtle")
    distribution = next(graph.subjects(RDF.type, DCAT.Distribution))
    graph.set((distribution, DCTERMS["format"], Literal("CSV")))
    assert not conforms(graph)[0]
    graph = Graph().parse(data=client.get("/dataset/truong-hoc.ttl").content, format="turtle")
    graph.remove((distribution, DCAT.accessURL, None))
    assert not conforms(graph)[0]


def test_the_catalogue_is_paged_with_hydra(catalogue, client, monkeypatch):
    from tinhso.opendata import dcat

    monkeypatch.setattr(dcat, "PAGE_SIZE", 1)
    graph = Graph().parse(data=client.get("/catalog.ttl?page=2").content, format="turtle")
    hydra = "http://www.w3.org/ns/hydra/core#"
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 1
    assert int(next(graph.objects(None, URIRef(hydra + "totalItems")))) == 2
    assert str(next(graph.objects(None, URIRef(hydra + "previousPage")))).endswith("page=1")


def test_a_draft_has_no_dcat_page(od, client):
    make_dataset("ban-nhap")
    assert client.get("/dataset/ban-nhap.ttl").status_code == 404
