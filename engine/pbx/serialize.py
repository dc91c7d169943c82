"""Typed PBX events to plain JSON, for the `events` table and the wallboard's live feed.

Dataclasses become objects (field by field), enums their wire value, datetimes ISO strings, tuples lists.
An AMI event's raw headers are left out once its fields are typed (they say the same thing twice) but kept
for an unknown event, where they are all there is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from engine.pbx.ami_events import UnknownAmiEvent

# Per class: the field names to write (None: not a dataclass), found once. Asking `dataclasses` about every
# value was the engine's costliest step per PBX event (bench.routing_latency's profile): a recorded ARI event
# took ~50 us, ~15 us with the names cached.
_FIELDS: dict[type, tuple[str, ...] | None] = {}
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _field_names(cls: type) -> tuple[str, ...] | None:
    if cls not in _FIELDS:
        names = None
        if dataclasses.is_dataclass(cls):
            keep_headers = issubclass(cls, UnknownAmiEvent)
            names = tuple(f.name for f in dataclasses.fields(cls) if keep_headers or f.name != "headers")
        _FIELDS[cls] = names
    return _FIELDS[cls]


def to_json(value: Any) -> Any:
    cls = type(value)
    if cls in _PLAIN:
        return value
    names = _field_names(cls)
    if names is not None:
        return {name: to_json(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    return value
