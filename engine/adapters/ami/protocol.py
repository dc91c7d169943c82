"""panoramisk's asyncio protocol class, used as the socket and nothing more.

Out of the box panoramisk decodes each TCP read on its own, routes ActionID-tagged events into the action's
future, re-sends pending actions after a reconnect and reconnects every 2 s forever. Here only its
`asyncio.Protocol` plumbing is kept: bytes are framed (then decoded later, by the client's one consumer), and
every framed message, the banner and the loss of the connection go through one synchronous sink, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from panoramisk.ami_protocol import AMIProtocol

from engine.adapters.ami.frames import Framer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Banner:
    text: str


@dataclass(frozen=True, slots=True)
class Lost:
    reason: str


# What the sink receives: a framed message (bytes, the hot path), the banner line, or the end.
Inbound = bytes | Banner | Lost


class AmiTransport(AMIProtocol):  # type: ignore[misc]  # panoramisk ships no type information
    def __init__(self, sink: Callable[[Inbound], None]) -> None:
        self._sink = sink
        self._framer = Framer(banner=True)
        self._transport: asyncio.Transport | None = None
        self._ended = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        # panoramisk's own attributes, so that none of its methods trips over a missing one.
        self.transport = transport
        self.closed = False

    def data_received(self, data: bytes) -> None:
        had_banner = self._framer.banner is not None
        blocks = self._framer.feed(data)
        if not had_banner and self._framer.banner is not None:
            self._sink(Banner(self._framer.banner))
        for block in blocks:
            self._sink(block)

    def eof_received(self) -> bool:
        return False  # let the transport close; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        if self._ended:
            return
        self._ended = True
        self.closed = True
        if self._framer.pending:
            log.warning("AMI connection ended inside a message: %d byte(s) dropped", self._framer.pending)
        self._sink(Lost(str(exc) if exc else "closed by the peer"))

    def write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
