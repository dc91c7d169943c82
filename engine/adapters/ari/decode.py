"""ARI JSON -> typed values, with one generic routine driven by the dataclasses' own type hints.

The models and events are named field-for-key after the Swagger (engine/pbx/ari_models.py), so a plan per
class is built once from `typing.get_type_hints`: for each field its JSON key, whether it may be missing
(`X | None`) and a converter (str, int, bool, float, datetime, StrEnum, nested model, tuple of those). Keys
the classes do not declare are ignored, so a newer Asterisk adding fields costs nothing. Anything else that
does not fit raises `DecodeError` naming the path of the bad field ("Dial.peer.state: expected a string").
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from engine.pbx.ari_events import EVENT_TYPES, AriEvent, UnknownAriEvent

T = TypeVar("T")
_Convert = Callable[[Any, str], Any]


class DecodeError(ValueError):
    """A JSON value does not have the shape the Swagger declares."""


def parse_timestamp(text: str) -> datetime:
    """ARI's "2026-11-24T11:10:07.302+0000" (milliseconds, offset without a colon) -> an aware datetime."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {text!r}")
    return value


def _expect(kind: type, label: str) -> _Convert:
    def convert(raw: Any, where: str) -> Any:
        # bool is an int in Python; JSON true is never a valid int field.
        if not isinstance(raw, kind) or (kind is int and isinstance(raw, bool)):
            raise DecodeError(f"{where}: expected {label}, got {raw!r:.40}")
        return raw

    return convert


def _float(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise DecodeError(f"{where}: expected a number, got {raw!r:.40}")
    return float(raw)


def _datetime(raw: Any, where: str) -> datetime:
    if not isinstance(raw, str):
        raise DecodeError(f"{where}: expected a timestamp string, got {raw!r:.40}")
    try:
        return parse_timestamp(raw)
    except ValueError as exc:
        raise DecodeError(f"{where}: {exc}") from None


def _enum(enum: type[StrEnum]) -> _Convert:
    def convert(raw: Any, where: str) -> Any:
        if not isinstance(raw, str):
            raise DecodeError(f"{where}: expected a string, got {raw!r:.40}")
        try:
            return enum(raw)
        except ValueError:
            raise DecodeError(f"{where}: {raw!r} is not a {enum.__name__}") from None

    return convert


def _tuple(item: _Convert) -> _Convert:
    def convert(raw: Any, where: str) -> Any:
        if not isinstance(raw, list):
            raise DecodeError(f"{where}: expected a list, got {raw!r:.40}")
        return tuple(item(value, f"{where}[{index}]") for index, value in enumerate(raw))

    return convert


def _nested(cls: type) -> _Convert:
    def convert(raw: Any, where: str) -> Any:
        return decode(cls, raw, where)

    return convert


_SCALARS: dict[Any, _Convert] = {
    str: _expect(str, "a string"),
    int: _expect(int, "an integer"),
    bool: _expect(bool, "true or false"),
    float: _float,
    datetime: _datetime,
}


def _converter(hint: Any) -> tuple[_Convert, bool]:
    """(converter, optional) for a field's type hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        arms = [arm for arm in typing.get_args(hint) if arm is not type(None)]
        if len(arms) != 1:
            raise TypeError(f"unsupported union {hint!r}")
        return _converter(arms[0])[0], True
    if origin is tuple:
        return _tuple(_converter(typing.get_args(hint)[0])[0]), False
    if hint in _SCALARS:
        return _SCALARS[hint], False
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return _enum(hint), False
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _nested(hint), False
    raise TypeError(f"no ARI decoder for {hint!r}")


_Plan = tuple[tuple[str, _Convert, bool], ...]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = tuple((field.name, *_converter(hints[field.name])) for field in dataclasses.fields(cls))
        _PLANS[cls] = plan
    return plan


def json_fields(cls: type) -> dict[str, bool]:
    """The JSON keys a model or event class reads, each with whether it may be missing (for the Swagger check)."""
    return {name: optional for name, _, optional in _plan(cls)}


def decode(cls: type[T], raw: Any, where: str = "") -> T:
    """Build `cls` from a decoded JSON object; raise DecodeError if it does not fit."""
    where = where or cls.__name__
    if not isinstance(raw, dict):
        raise DecodeError(f"{where}: expected an object, got {raw!r:.40}")
    values: dict[str, Any] = {}
    for name, convert, optional in _plan(cls):
        value = raw.get(name)
        if value is None:
            if optional:
                continue
            raise DecodeError(f"{where}.{name}: missing")
        values[name] = convert(value, f"{where}.{name}")
    return cls(**values)


def decode_event(frame: str) -> AriEvent:
    """One WebSocket text frame -> its typed event (UnknownAriEvent for a type without a class)."""
    try:
        raw = json.loads(frame)
    except ValueError as exc:
        raise DecodeError(f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise DecodeError(f"expected a JSON object, got {frame:.40}")
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        raise DecodeError("event without a type")
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        return UnknownAriEvent(type=kind, raw=frame)
    return decode(cls, raw, kind)
