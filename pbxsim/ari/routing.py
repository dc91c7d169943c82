"""Shared plumbing of the ARI resource routes: parameters, the model handle, refusals, 201 Location.

ARI takes parameters from the query string and, for POSTs, from a JSON body (`variables` only makes sense
there); query values win. Booleans are "true"/"false" as res_ari parses them. A `ModelError` raised by the
model becomes its recorded answer (status, reason phrase, `{"message":..}` or `{"error":..}`), which is why
routes are thin: validate/convert parameters, call the model, render.

Each resource module exposes `ROUTES` (method, path, handler); `build_app()` registers them and
tests/test_pbxsim_ari_swagger.py checks every one against the Swagger declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from pbxsim.ari import http
from pbxsim.model import CallModel, ModelError
from pbxsim.model.errors import bad_request

MODEL_KEY = web.AppKey("call_model", CallModel)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, Handler]


def model_of(request: web.Request) -> CallModel:
    return request.app[MODEL_KEY]


async def params(request: web.Request) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    if request.body_exists and request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("Malformed JSON body") from exc
        if isinstance(body, dict):
            merged.update(body)
    for key in request.query:
        if key != "api_key":
            merged[key] = request.query[key]
    return merged


def text(values: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = values.get(key)
    return default if value is None else str(value)


def number(values: dict[str, Any], key: str, default: float) -> float:
    value = values.get(key)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"Invalid value for {key}") from exc


def flag(values: dict[str, Any], key: str, default: bool = False) -> bool:
    value = values.get(key)
    if value is None:
        return default
    return value is True or str(value).lower() in ("true", "yes", "1")


def listing(values: dict[str, Any], key: str) -> list[str]:
    """Comma-separated (allowMultiple) parameter -> list."""
    value = values.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [part for part in str(value).split(",") if part]


def variables(values: dict[str, Any]) -> dict[str, str]:
    raw = values.get("variables")
    if isinstance(raw, dict):
        inner = raw.get("variables", raw)
        if isinstance(inner, dict):
            return {str(k): str(v) for k, v in inner.items()}
    return {}


def created(payload: object, location: str) -> web.Response:
    """201 with `Location: /ari/...` as recorded for play and record."""
    return http.json_response(payload, 201, "Created", {"Location": location})


def refusals(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ModelError as refused:
            return http.json_response({refused.key: refused.message}, refused.status, refused.reason)

    guarded.__name__ = handler.__name__
    return guarded
