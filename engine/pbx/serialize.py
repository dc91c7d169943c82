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


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        keep_headers = isinstance(value, UnknownAmiEvent)
        return {
            field.name: to_json(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if keep_headers or field.name != "headers"
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    return value
