"""Routes as data: each route of the JSON API is declared once, with the models of what it takes and answers.

A `Route` names its method, path template, summary and handler, the pydantic models of its path parameters,
query parameters and JSON body, and the models of its answers by status. `add_routes(app, routes)` registers
routes on an aiohttp application and keeps them in the application's `RouteBook`, from which
`engine.http.openapi` builds the OpenAPI document. A feature adds its routes from its own module by calling
`add_routes` with its declarations; nothing else is edited and the routes appear in the document.

Before a handler runs, its route's guards run (503 while the engine starts; authentication will be one), then
the request is checked against the declared models: a path parameter, query parameter or body that does not fit
is a 400 `{"error": "invalid request", "fields": [{"in": ..., "field": ..., "message": ...}]}`, and the handler
sees only validated, typed values. Every error of the API, 404 and 405 of unknown paths included, has that
one shape (`ErrorBody`; `fields` only on a 400 of validation). Answers are not checked at run time (the views are
on the hot path); `RouteBook.check_answers` turns that on for tests, so a handler whose answer drifts from its
declared model fails a test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, TypeVar

from aiohttp import web
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

API_PREFIX = "/api/"


class ApiModel(BaseModel):
    """A request or answer of the API. Unknown fields are refused: a misspelt field is an error, not ignored,
    and an answer that grows a field fails the tests until the field is declared."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Body(ApiModel):
    """A JSON body: JSON's own types only (a number is not a string, "5" is not a number)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NoParameters(ApiModel):
    """For a route that takes no path parameter, no query parameter or no body field."""


class NoBody(Body):
    """The body of a route that takes none: absent, or `{}`."""


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTER.search(value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    return value


@dataclass(frozen=True, slots=True)
class NoControlCharacters:
    """A string annotation: no C0 control character nor DEL. Text the API takes goes into the append-only
    events table (whose jsonb refuses \\u0000) and onto every live client's screen."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_no_control_characters, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        described = handler(schema)
        described["pattern"] = "^[^\\x00-\\x1f\\x7f]*$"
        return described


# An id or a name as the API takes it (agents, queues, calls): the centre file sets no bound, this one is sane.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128), NoControlCharacters()]


class FieldError(ApiModel):
    location: Literal["path", "query", "body"] = Field(alias="in", description="where the field was")
    field: str | None = Field(description="the field's name (a dotted path inside the body); null for the "
                                          "body as a whole")
    message: str


class ErrorBody(ApiModel):
    """Every error answer of the API."""

    error: str = Field(description="what went wrong, in a sentence")
    fields: list[FieldError] | None = Field(
        default=None, description="on a 400 for a request that does not fit its declared models: each field "
                                  "that does not, and why")


class ApiError(Exception):
    """Raised by a handler or a guard: answered as `ErrorBody` with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, fields: Sequence[Mapping[str, object]] = ()) -> web.Response:
    body: dict[str, object] = {"error": message}
    if fields:
        body["fields"] = list(fields)
    return web.json_response(body, status=status)


@dataclass(frozen=True, slots=True)
class Answer:
    """One declared answer of a route: the model of its body and when it is given."""

    model: type[BaseModel]
    description: str


def error(description: str) -> Answer:
    return Answer(ErrorBody, description)


INVALID_REQUEST = error("the request does not fit the route's declared parameters or body; `fields` names them")

P = TypeVar("P", bound=BaseModel)
Q = TypeVar("Q", bound=BaseModel)
B = TypeVar("B", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Call(Generic[P, Q, B]):
    """A request as its handler sees it: validated path parameters, query parameters and body."""

    request: web.Request
    path: P
    query: Q
    body: B


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler's answer: a JSON-ready payload (or a model) and its status, which the route declares."""

    payload: object
    status: int = 200


Guard = Callable[[web.Request], None]  # raises ApiError to refuse the request before it is validated
Handler = Callable[[Call[P, Q, B]], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Route(Generic[P, Q, B]):
    """One declared route. `NoParameters` and `NoBody` say that it takes no parameters or no body; the 400 of
    a request that does not fit is implied (`all_answers`)."""

    method: str
    path: str  # a template whose {names} are the fields of `path_params`
    summary: str
    handler: Handler[P, Q, B]
    path_params: type[P]
    query: type[Q]
    body: type[B]
    answers: Mapping[int, Answer]
    body_required: bool = False
    guards: Sequence[Guard] = ()

    def __post_init__(self) -> None:
        named = set(re.findall(r"{(\w+)}", self.path))
        if not self.path.startswith(API_PREFIX) or named != set(self.path_params.model_fields):
            raise ValueError(f"{self.method} {self.path}: the path must start with {API_PREFIX} and name exactly "
                             f"the fields of {self.path_params.__name__}")
        if 200 not in self.answers and 201 not in self.answers:
            raise ValueError(f"{self.method} {self.path}: no success answer declared")

    @property
    def all_answers(self) -> Mapping[int, Answer]:
        """The declared answers and the 400 that every route gives for a request that does not fit."""
        return {400: INVALID_REQUEST, **self.answers}

    @property
    def operation_id(self) -> str:
        words = re.findall(r"[a-z0-9]+", self.path.removeprefix(API_PREFIX).replace("{", "by_").lower())
        return "_".join([self.method.lower(), *words])


AnyRoute = Route[Any, Any, Any]


@dataclass(slots=True)
class RouteBook:
    """The routes declared on one application, in order: what the OpenAPI document is built from."""

    routes: list[AnyRoute] = field(default_factory=list)
    check_answers: bool = False  # validate every answer against its declared model (tests)
    document: dict[str, Any] | None = None  # the OpenAPI document, built once on first request


_BOOK: web.AppKey[RouteBook] = web.AppKey("route_book", RouteBook)


def route_book(app: web.Application) -> RouteBook:
    """The application's book of routes, made (with the JSON error middleware) on first use."""
    book = app.get(_BOOK)
    if book is None:
        book = app[_BOOK] = RouteBook()
        app.middlewares.append(_json_errors)
    return book


def add_routes(app: web.Application, routes: Sequence[AnyRoute]) -> None:
    """Register declared routes on `app`: how every feature adds its part of the API."""
    book = route_book(app)
    for route in routes:
        app.router.add_route(route.method, route.path, _handle(route, book))
        book.routes.append(route)


class _Invalid(Exception):
    def __init__(self, fields: list[dict[str, object]]) -> None:
        self.fields = fields


def _field_errors(location: str, exc: ValidationError) -> list[dict[str, object]]:
    fields: list[dict[str, object]] = []
    for item in exc.errors(include_url=False, include_input=False, include_context=False):
        name = ".".join(str(part) for part in item["loc"]) or None
        message = item["msg"].removeprefix("Value error, ")
        if name is None and item["type"] == "json_invalid":
            message = "the body is not JSON (" + message.removeprefix("Invalid JSON: ") + ")"
        elif name is None and item["type"] == "model_type":
            message = "the body must be a JSON object"
        elif item["type"] == "extra_forbidden":
            message = "unknown field"
        fields.append({"in": location, "field": name, "message": message})
    return fields


def _validate(location: str, model: type[BaseModel], values: Mapping[str, object]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _Invalid(_field_errors(location, exc)) from None


def _query_values(request: web.Request) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in request.query:
        given = request.query.getall(name)
        if len(given) > 1:
            raise _Invalid([{"in": "query", "field": name, "message": "given more than once"}])
        values[name] = given[0]
    return values


async def _body(route: AnyRoute, request: web.Request) -> BaseModel:
    model: type[BaseModel] = route.body
    raw = await request.read() if request.can_read_body else b""
    if not raw.strip():
        if route.body_required:
            raise _Invalid([{"in": "body", "field": None, "message": "a JSON body is required"}])
        return _validate("body", model, {})
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Invalid([{"in": "body", "field": None,
                         "message": f"the body is not valid UTF-8 (byte {exc.start})"}]) from None
    try:
        return model.model_validate_json(decoded)
    except ValidationError as exc:
        raise _Invalid(_field_errors("body", exc)) from None


def _handle(route: AnyRoute, book: RouteBook) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            for guard in route.guards:
                guard(request)
            try:
                call: Call[Any, Any, Any] = Call(
                    request,
                    path=_validate("path", route.path_params, dict(request.match_info)),
                    query=_validate("query", route.query, _query_values(request)),
                    body=await _body(route, request),
                )
            except _Invalid as invalid:
                return error_response(400, "invalid request", invalid.fields)
            reply = await route.handler(call)
        except ApiError as exc:
            reply = Reply(ErrorBody(error=exc.message), exc.status)
        payload = reply.payload
        if isinstance(payload, BaseModel):
            payload = payload.model_dump(mode="json", by_alias=True, exclude_none=isinstance(payload, ErrorBody))
        if book.check_answers:
            check_answer(route, reply.status, payload)
        return web.json_response(payload, status=reply.status)

    return handle


class AnswerDrift(AssertionError):
    """An answer that its route does not declare: a test failure, never an answer to a client."""


def check_answer(route: AnyRoute, status: int, payload: object) -> None:
    """Raise AnswerDrift unless `payload` fits the model `route` declares for `status`."""
    answer = route.all_answers.get(status)
    if answer is None:
        raise AnswerDrift(f"{route.method} {route.path} answered {status}, which it does not declare")
    try:  # as a client reads it: the JSON text, JSON's types exactly
        answer.model.model_validate_json(json.dumps(payload), strict=True)
    except ValidationError as exc:
        raise AnswerDrift(f"{route.method} {route.path} answered {status} with a body that does not fit "
                          f"{answer.model.__name__}: {exc}") from None


@web.middleware
async def _json_errors(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                       ) -> web.StreamResponse:
    """aiohttp's own refusals under /api/ (no such path, wrong method, body too large) in the API's error shape."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith(API_PREFIX):
            raise
        message = {404: f"no route {request.path}", 405: f"{request.method} is not allowed on {request.path}"
                   }.get(exc.status, exc.reason.lower())
        response = error_response(exc.status, message)
        if exc.status == 405:
            response.headers["Allow"] = exc.headers.get("Allow", "")
        return response
