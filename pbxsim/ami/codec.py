"""AMI wire codec: bytes <-> messages, pure (no I/O, no state beyond the decoder's buffer).

Outgoing: a message is an ordered sequence of (key, value) headers; `encode()` renders
`Key: Value\\r\\n` lines followed by one blank line (CRLF CRLF ends every message, NOTES AMI 1).
Header order is significant on the AMI wire (Response first, ActionID second, ...), so messages are
lists, never dicts.

Incoming: `FrameDecoder.feed()` takes whatever a socket read returned (half a message, several messages,
one byte) and returns the complete requests seen so far. Framing happens on raw bytes *before* decoding,
so a multi-byte character split across reads is never mangled. Framing copies main/manager.c
(`get_input()` / `do_message()`) rather than an idealised grammar, because the simulator must treat
malformed input the way Asterisk does:

* A line ends at `\\r\\n` or at a bare `\\n` (both accepted by get_input()).
* A line is treated as a C string: anything after a NUL byte is ignored, and a line starting with NUL
  counts as the blank line that ends the message.
* Asterisk reads into a 1024-byte buffer (`inbuf[1025]`); when 1024 bytes contain no line end they are
  discarded and the message is poisoned: at its blank line the client gets
  `Message: Failed to parse message: line too long` instead of an action being run.
* At most 128 header lines per message (AST_MAX_MANHEADERS); more poisons the message with
  `Too many lines in message or allocation failure`.
* A line without a colon, or with garbage bytes, is kept; header lookup simply never matches it, so it is
  silently ignored (e.g. a message of only such lines is answered `Missing action in request`).
* Bytes are decoded as UTF-8 with `surrogateescape`, so arbitrary bytes (an ActionID in Latin-1, say)
  are echoed back byte for byte by `encode()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Header = tuple[str, str]

CRLF = b"\r\n"
_ENCODING = "utf-8"
_ERRORS = "surrogateescape"

MAX_LINE_BYTES = 1024  # manager.c: sizeof(inbuf) - 1
MAX_HEADERS = 128  # manager.c: AST_MAX_MANHEADERS

LINE_TOO_LONG = "Failed to parse message: line too long"
TOO_MANY_LINES = "Too many lines in message or allocation failure"


def encode(headers: Iterable[Header]) -> bytes:
    """Render one AMI message: `Key: Value` lines, CRLF each, plus the terminating blank line."""
    text = "".join(f"{key}: {value}\r\n" for key, value in headers)
    return text.encode(_ENCODING, _ERRORS) + CRLF


@dataclass(frozen=True)
class Request:
    """One received AMI message: its raw header lines, plus a parse error if framing poisoned it."""

    lines: tuple[str, ...]
    parse_error: str | None = None

    def get(self, name: str, *, skip_empty: bool = False) -> str:
        """Value of header `name`, like manager.c `__astman_get_header()`.

        Name match is case-insensitive and the colon must follow the name directly (`Action :` does not
        match). Leading blanks (any byte below 33) are skipped; trailing ones are kept. The first match
        wins, or with `skip_empty` the first non-empty one. Missing header -> "".
        """
        size = len(name)
        wanted = name.lower()
        for line in self.lines:
            if len(line) > size and line[size] == ":" and line[:size].lower() == wanted:
                value = _skip_blanks(line[size + 1 :])
                if skip_empty and not value:
                    continue
                return value
        return ""


def _skip_blanks(text: str) -> str:
    # ast_skip_blanks(): `while (*str && *str < 33) str++` - spaces, tabs and control bytes alike.
    index = 0
    while index < len(text) and ord(text[index]) < 33:
        index += 1
    return text[index:]


class FrameDecoder:
    """Incremental AMI request framer; see the module docstring for the rules."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._lines: list[str] = []
        self._line_too_long = False  # manager.c s->parsing == MESSAGE_LINE_TOO_LONG (per session)
        self._header_loss = False  # manager.c hdr_loss (per message)

    def feed(self, data: bytes) -> list[Request]:
        """Add bytes from the socket; return every request completed by them, in order."""
        self._buffer += data
        requests: list[Request] = []
        while (line := self._next_line()) is not None:
            request = self._take_line(line)
            if request is not None:
                requests.append(request)
        return requests

    def _next_line(self) -> bytes | None:
        # Asterisk only ever looks at the first 1024 buffered bytes of the current line: a line end
        # beyond them is never seen, the 1024 bytes are thrown away and scanning restarts after them.
        while True:
            window = bytes(self._buffer[:MAX_LINE_BYTES])
            end = window.find(b"\n")
            if end >= 0:
                line = window[:end]
                del self._buffer[: end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self._buffer) < MAX_LINE_BYTES:
                return None
            del self._buffer[:MAX_LINE_BYTES]
            self._line_too_long = True

    def _take_line(self, raw: bytes) -> Request | None:
        raw = raw.split(b"\0", 1)[0]  # C-string semantics of header_buf
        if raw:
            if len(self._lines) < MAX_HEADERS:
                self._lines.append(raw.decode(_ENCODING, _ERRORS))
            else:
                self._header_loss = True
            return None
        lines, self._lines = tuple(self._lines), []
        if self._header_loss:
            # do_message() checks hdr_loss first and leaves the line-too-long flag for the next message.
            self._header_loss = False
            return Request(lines, TOO_MANY_LINES)
        if self._line_too_long:
            self._line_too_long = False  # handle_parse_error() resets s->parsing
            return Request(lines, LINE_TOO_LONG)
        return Request(lines)
