"""AMI message framing: `Key: Value` lines ending in CRLF, a blank line ending each message.

Bytes are split into whole messages first and decoded after, because a TCP read may end inside a message
or inside a multi-byte character. The connection opens with one banner line (`Asterisk Call Manager/11.0.0`
and a single CRLF, no blank line: NOTES.md AMI 1), which the framer hands out separately. Header order is
kept, and repeated keys (`Output:` of the Command action, `Variable:` of Originate) stay repeated pairs.
"""

from __future__ import annotations

TERMINATOR = b"\r\n\r\n"

Message = list[tuple[str, str]]


def encode(pairs: list[tuple[str, str]]) -> bytes:
    """One action on the wire. A CR or LF inside a value would smuggle extra headers in, so it is refused."""
    lines = []
    for key, value in pairs:
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise ValueError(f"AMI header {key!r} must not contain a line break")
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(block: bytes) -> tuple[Message, list[str]]:
    """One framed message (without its terminator) to ordered pairs, plus the lines that had no colon.

    Values keep their inner spacing (`MES:  0.0`); a stray bare LF before the CRLF (`Message: No Contacts
    found\\n`, PJSIPShowContacts in 22.10.1) is dropped with the line ending."""
    pairs: Message = []
    bad: list[str] = []
    for line in block.decode("utf-8", errors="replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                if line.strip():
                    bad.append(line)
                continue
        if value.endswith("\n"):
            value = value.rstrip("\n")
        pairs.append((key, value))
    return pairs, bad


def decode(block: bytes) -> Message:
    """One framed message to ordered pairs; lines without a colon are skipped."""
    return parse(block)[0]


def first(message: Message, key: str) -> str | None:
    lowered = key.lower()
    for name, value in message:
        if name.lower() == lowered:
            return value
    return None


class Framer:
    """Accumulates bytes and returns complete message blocks as they close.

    With `banner=True` the first line of the stream is kept apart in `banner` (None until it is complete)."""

    def __init__(self, banner: bool = False) -> None:
        self._buffer = b""
        self._want_banner = banner
        self.banner: str | None = None

    @property
    def pending(self) -> int:
        """Bytes held that do not yet make a whole message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer + data if self._buffer else data
        if self._want_banner:
            end = buffer.find(b"\r\n")
            if end < 0:
                self._buffer = buffer
                return []
            self.banner = buffer[:end].decode("utf-8", errors="replace")
            self._want_banner = False
            buffer = buffer[end + 2 :]
        if TERMINATOR not in buffer:
            self._buffer = buffer
            return []
        blocks = buffer.split(TERMINATOR)
        self._buffer = blocks.pop()
        # Extra blank lines between messages would make empty blocks or blocks opening with CRLF.
        return [block.lstrip(b"\r\n") for block in blocks if block.strip(b"\r\n")]
