"""The published OpenAPI document (issue 19, item 11): one schema per name, every refusal documented with
the problem schema, and the query constraints the API enforces stated in it."""

from pydantic import BaseModel

from tinhso.api import api

SCHEMA = api.get_openapi_schema()


def _models() -> dict[str, set[str]]:
    """Every pydantic model the operations answer or take, by name, with the modules defining it (Ninja's
    wrappers around a response or the parameters are generated per operation: their fields are walked)."""
    found: dict[str, set[str]] = {}
    seen: set[type] = set()

    def walk_fields(model: object) -> None:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return  # no body, or Ninja's NOT_SET
        for field in model.model_fields.values():
            for candidate in (field.annotation, *getattr(field.annotation, "__args__", ())):
                for inner in (candidate, *getattr(candidate, "__args__", ())):
                    walk(inner)

    def walk(model: type) -> None:
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or model in seen:
            return
        seen.add(model)
        found.setdefault(model.__name__, set()).add(model.__module__)
        walk_fields(model)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    walk_fields(model)
                for model in operation.models:
                    walk_fields(model)
    return found


def test_no_two_schemas_share_a_name():
    shared = {name: modules for name, modules in _models().items() if len(modules) > 1}
    assert shared == {}
    assert {"DossierDocumentOut", "RequiredDocumentOut"} <= set(SCHEMA["components"]["schemas"])


def test_every_operation_documents_its_refusals_as_problems():
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = [
        (path, method, operation)
        for path, methods in SCHEMA["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 40
    for path, method, operation in operations:
        responses = operation["responses"]
        expected = {400, 401, 404, 422, 429, 500} | ({403} if operation.get("security") else set())
        expected |= {409, 413} if method != "get" else set()
        for status in expected:
            assert responses[status]["content"] == problem, (path, method, status)
    assert {"type", "title", "status", "code", "instance"} <= set(
        SCHEMA["components"]["schemas"]["Problem"]["required"]
    )


def test_query_constraints_are_published():
    def parameter(path: str, name: str) -> dict:
        [found] = [p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found["schema"]

    assert parameter("/api/v1/ioc/kpis", "period")["pattern"].startswith("^(\\d{4}")
    assert parameter("/api/v1/ioc/ranking", "kind")["enum"] == ["agencies", "communes"]
    assert "2\\.1" in parameter("/api/v1/ioc/records", "indicator")["pattern"]
    assert parameter("/api/v1/ioc/map", "indicator")["default"] == "2.1"
    finish = SCHEMA["paths"]["/api/v1/dossiers/{code}/finish"]["post"]["requestBody"]["content"]
    form = finish["multipart/form-data"]["schema"]
    assert form["properties"]["note"]["maxLength"] == 500 and form["properties"]["version"]["minimum"] == 0
