"""A wrapper that keeps credentials out of reprs, logs and tracebacks.

Every credential (AMI secret, ARI password, a password inside DATABASE_URL) is held as a `Secret`;
the logging setup also registers each revealed value so that a secret pasted into a message by
mistake is still masked on output.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def masked_url(url: str) -> str:
    """The URL with any password replaced by the mask, for messages about a database or an ARI URL."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))
