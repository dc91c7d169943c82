"""Typed commands <-> HTTP requests and results, with one generic routine driven by the commands' annotations.

Each command field is `Annotated[T, path(...) | query(...) | body(...)]`; the plan per command class is
read once. Values go out as ARI expects them: booleans as true/false, tuples comma-separated (allowMultiple),
enums as their value, `None` left off. Path segments are percent-encoded except `;`, which Local channel ids
carry ("agent-leg-1;2") and which is legal in a path segment.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote

from engine.adapters.ari.decode import DecodeError, decode
from engine.pbx.ari_commands import AriCommand, HttpMethod, Param, ParamKind, Returns

_Params = tuple[tuple[str, Param], ...]
_PARAMS: dict[type, _Params] = {}


def params_of(cls: type[AriCommand[Any]]) -> _Params:
    """(attribute, wire parameter) for every field of a command class."""
    plan = _PARAMS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        found: list[tuple[str, Param]] = []
        for field in fields(cls):
            marks = [m for m in getattr(hints[field.name], "__metadata__", ()) if isinstance(m, Param)]
            if len(marks) != 1:
                raise TypeError(f"{cls.__name__}.{field.name} needs exactly one path/query/body mark")
            found.append((field.name, marks[0]))
        plan = _PARAMS[cls] = tuple(found)
    return plan


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(_text(item) for item in value)
    if isinstance(value, str | int):
        return str(value)  # a StrEnum member's str() is its value
    raise TypeError(f"cannot put {value!r} in an ARI request")


@dataclass(frozen=True, slots=True)
class WireRequest:
    method: HttpMethod
    path: str  # below the ARI base URL, percent-encoded: "/channels/agent-leg-1;2/answer"
    query: tuple[tuple[str, str], ...]
    json_body: Mapping[str, object] | None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def encode(command: AriCommand[Any]) -> WireRequest:
    path = type(command).PATH
    query: list[tuple[str, str]] = []
    body: dict[str, object] = {}
    for attr, param in params_of(type(command)):
        value = getattr(command, attr)
        if value is None:
            continue
        if param.kind is ParamKind.PATH:
            path = path.replace("{" + param.name + "}", quote(_text(value), safe=";@:"))
        elif param.kind is ParamKind.QUERY:
            query.append((param.name, _text(value)))
        elif type(command).BODY_IS_PARAMETER and isinstance(value, Mapping):
            body = dict(value)
        else:
            body[param.name] = dict(value) if isinstance(value, Mapping) else value
    return WireRequest(type(command).METHOD, path, tuple(query), body or None)


def decode_result(command: AriCommand[Any], content: bytes) -> object:
    """The typed result of a 2xx answer; raises DecodeError if the body does not fit the declaration."""
    returns = type(command).RETURNS
    if returns is Returns.NOTHING:
        return None
    if returns is Returns.BYTES:
        return content
    try:
        data = json.loads(content)
    except ValueError:
        raise DecodeError(f"{type(command).__name__}: the answer is not JSON") from None
    if returns is Returns.VALUE:
        if not isinstance(data, dict) or not isinstance(data.get("value"), str):
            raise DecodeError(f"{type(command).__name__}: expected {{'value': str}}")
        return data["value"]
    model = type(command).MODEL
    assert model is not None, f"{type(command).__name__} returns a model but names none"
    if returns is Returns.ONE:
        return decode(model, data)
    if not isinstance(data, list):
        raise DecodeError(f"{type(command).__name__}: expected a list")
    return tuple(decode(model, item, f"{model.__name__}[{index}]") for index, item in enumerate(data))
