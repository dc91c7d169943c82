"""The OpenAPI 3.1 document of the API, built from the declared routes of `engine.http.routes`.

Each route becomes an operation: its path and query models become parameters (one per field, the field's JSON
Schema inline), its body model the request body, its answers the responses. The models' schemas are pydantic's
JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) and sit under components/schemas, referenced by name.
The document is built once, on the first request for it, after every feature has declared its routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from engine.http.routes import (
    Answer,
    AnyRoute,
    ApiModel,
    Call,
    NoBody,
    NoParameters,
    Reply,
    Route,
    add_routes,
    route_book,
)

OPENAPI_PATH = "/api/openapi.json"
_REF = "#/components/schemas/{model}"


class OpenApiDocument(ApiModel):
    openapi: Literal["3.1.0"]
    info: dict[str, str]
    paths: dict[str, dict[str, Any]]
    components: dict[str, Any]


def _version() -> str:
    try:
        return metadata.version("callhive")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0"


def openapi_document(routes: Sequence[AnyRoute], *, title: str = "callhive engine API") -> dict[str, Any]:
    keys: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for route in routes:
        for model in (route.path_params, route.query, route.body):
            keys[(model, "validation")] = None
        for answer in route.all_answers.values():
            keys[(answer.model, "serialization")] = None
    refs, top = models_json_schema(list(keys), ref_template=_REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))

    def schema_of(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return schemas[refs[(model, mode)]["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]

    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary}
        parameters = [*_parameters("path", schema_of(route.path_params, "validation")),
                      *_parameters("query", schema_of(route.query, "validation"))]
        if parameters:
            operation["parameters"] = parameters
        if route.body is not NoBody:
            operation["requestBody"] = {"required": route.body_required, "content": {
                "application/json": {"schema": refs[(route.body, "validation")]}}}
        operation["responses"] = {str(status): _response(answer, refs[(answer.model, "serialization")])
                                  for status, answer in sorted(route.all_answers.items())}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    # The parameter models are inlined and NoBody is not shown: keep only the schemas the paths reach.
    return {"openapi": "3.1.0", "info": {"title": title, "version": _version()}, "paths": paths,
            "components": {"schemas": {name: schemas[name] for name in sorted(_reached(paths, schemas))}}}


def _reached(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    reached: set[str] = set()
    pending: list[Any] = [paths]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF.removesuffix("{model}")):
                name = ref.rsplit("/", 1)[1]
                if name not in reached:
                    reached.add(name)
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return reached


def _parameters(where: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        field = {key: value for key, value in field.items() if key != "title"}
        parameter = {"name": name, "in": where, "required": where == "path" or name in required}
        if "description" in field:
            parameter["description"] = field.pop("description")
        parameters.append({**parameter, "schema": field})
    return parameters


def _response(answer: Answer, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": answer.description, "content": {"application/json": {"schema": schema}}}


async def _document(call: Call[NoParameters, NoParameters, NoBody]) -> Reply:
    book = route_book(call.request.app)
    if book.document is None:
        book.document = openapi_document(book.routes)
    return Reply(book.document)


def add_openapi_route(app: web.Application) -> None:
    """Serve the document of every route declared on `app` (built when first asked for, so the order of
    declaration does not matter)."""
    add_routes(app, [Route("GET", OPENAPI_PATH, "This document: every route, its parameters, body and answers",
                           _document, path_params=NoParameters, query=NoParameters, body=NoBody,
                           answers={200: Answer(OpenApiDocument, "the OpenAPI 3.1 document")})])
