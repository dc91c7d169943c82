"""AMI message framing: `Key: Value` lines ending in CRLF, a blank line ending each message.

Bytes are split into whole messages first and decoded after (a TCP read may end inside a message or
inside a multi-byte character). Header order is kept, and repeated keys (`Output:` of the Command action,
`Variable:` of Originate) are kept as repeated pairs.
"""

from __future__ import annotations

TERMINATOR = b"\r\n\r\n"

Message = list[tuple[str, str]]


def encode(pairs: list[tuple[str, str]]) -> bytes:
    lines = [f"{key}: {value}" for key, value in pairs]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def decode(block: bytes) -> Message:
    """One framed message (without its terminator) to ordered pairs; lines without a colon are skipped."""
    pairs: Message = []
    for line in block.decode("utf-8", errors="replace").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            pairs.append((key.strip(), value.strip()))
    return pairs


def first(message: Message, key: str) -> str | None:
    lowered = key.lower()
    for name, value in message:
        if name.lower() == lowered:
            return value
    return None


class Framer:
    """Accumulates bytes and returns complete message blocks as they close."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        blocks: list[bytes] = []
        while True:
            end = self._buffer.find(TERMINATOR)
            if end < 0:
                return blocks
            blocks.append(self._buffer[:end])
            self._buffer = self._buffer[end + len(TERMINATOR) :]
