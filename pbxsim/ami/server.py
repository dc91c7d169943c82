"""The AMI TCP server: one asyncio task per connection, framing -> dispatch -> socket.

Per connection (`AmiConnection`): send the banner `Asterisk Call Manager/11.0.0\\r\\n` (single CRLF, no
blank line - NOTES AMI 1), then loop: read whatever arrived, let the `FrameDecoder` cut it into requests,
run each through `actions.process_message()` one at a time (a handler that sleeps, like the failed-Login
penalty, holds back the rest of that client's input, as Asterisk's per-session thread does), and hang up
when a handler says so.

Events: `AmiServer.publish()` is the single entry point for anything that happens in the PBX; it encodes
the event once and offers it to every connection, which filters with `AmiSession.wants_event()`. While a
connection is in the middle of an action, its events are held and flushed right after the response - this
is manager.c's event queue, drained by process_events() at the end of process_message(), and it is why
`SuccessfulAuth` follows the Login ack and `RequestBadFormat` follows the error (recorded order).

Stopping closes the listener and every connection, and cancels handlers stuck in a clock sleep so a
ManualClock that is never advanced cannot wedge shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterable, Mapping, Sequence

from pbxsim.ami.actions import After, AmiUser, process_message
from pbxsim.ami.bus import AmiCalls
from pbxsim.ami.codec import FrameDecoder, Header, Request, encode
from pbxsim.ami.session import AmiSession
from pbxsim.core import Core
from pbxsim.model import CallModel

log = logging.getLogger("pbxsim.ami")

_READ_CHUNK = 65536
# Listen backlog: asyncio's default (100) overflows when a benchmark opens hundreds of sessions at once, and
# with SYN cookies the overflowing clients believe they are connected while the server never sees them.
LISTEN_BACKLOG = 1024


def _address(sockaddr: object) -> str:
    """`IPV4/TCP/127.0.0.1/5038` as printed in security events."""
    if isinstance(sockaddr, tuple) and len(sockaddr) >= 2:
        host, port = sockaddr[0], sockaddr[1]
        family = "IPV6" if ":" in str(host) else "IPV4"
        return f"{family}/TCP/{host}/{port}"
    return "IPV4/TCP/0.0.0.0/0"


class AmiConnection:
    """One client socket; implements `ActionContext` for the handlers."""

    def __init__(self, server: AmiServer, writer: asyncio.StreamWriter, session: AmiSession) -> None:
        self._server = server
        self._writer = writer
        self._session = session
        self._in_action = False
        self._held: list[bytes] = []

    @property
    def session(self) -> AmiSession:
        return self._session

    @property
    def core(self) -> Core:
        return self._server.core

    @property
    def users(self) -> Mapping[str, AmiUser]:
        return self._server.users

    @property
    def calls(self) -> AmiCalls:
        return self._server.calls

    def send(self, message: Sequence[Header]) -> None:
        self._write(encode(message))

    def publish(self, message: Sequence[Header], category: int) -> None:
        self._server.publish(message, category)

    def offer_event(self, data: bytes, category: int, message: Sequence[Header]) -> None:
        if not self._session.wants_event(category):
            return
        filters = self._session.filters
        if filters is not None and not filters.allows(message, data):
            return
        if self._in_action:
            self._held.append(data)
        else:
            self._write(data)

    async def handle(self, requests: Sequence[Request]) -> After:
        """Run requests in order; events raised meanwhile are held until each response is out."""
        for request in requests:
            self._in_action = True
            try:
                after = await process_message(self, request)
            finally:
                self._in_action = False
            if after is After.CLOSE:
                # Asterisk returns before process_events(): events held for this action are dropped.
                self._held.clear()
                return After.CLOSE
            held, self._held = self._held, []
            for data in held:
                self._write(data)
        return After.KEEP

    def _write(self, data: bytes) -> None:
        if not self._writer.is_closing():
            self._writer.write(data)


class AmiServer:
    """Listens for AMI clients; `publish()` fans events out to them."""

    def __init__(
        self, core: Core, users: Iterable[AmiUser], host: str, port: int, model: CallModel | None = None
    ) -> None:
        self.core = core
        # The call model's events rendered for AMI (pbxsim.ami.bus); actions reach the model through it.
        self._calls = AmiCalls(model, self.publish) if model is not None else None
        self.users: dict[str, AmiUser] = {user.username.lower(): user for user in users}
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._connections: set[AmiConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("AMI server not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Listen; after a `stop()`, listen again on the same port (a restarted Asterisk keeps its port)."""
        self._stopping = False
        self._server = await asyncio.start_server(self._serve, self._host, self._port, backlog=LISTEN_BACKLOG)
        self._port = self.port
        log.info("AMI listening on %s:%d", self._host, self.port)

    @property
    def calls(self) -> AmiCalls:
        if self._calls is None:
            raise RuntimeError("AMI server has no call model")
        return self._calls

    def publish(self, message: Sequence[Header], category: int) -> None:
        if not self._connections:
            return
        data = encode(message)
        for connection in list(self._connections):
            connection.offer_event(data, category, message)

    async def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        log.info("AMI stopped")

    def _new_session(self, writer: asyncio.StreamWriter) -> AmiSession:
        # SessionID is a pointer (%p) on Asterisk, e.g. 0x7f5ec000aaa0; draw a plausible one from the seed.
        pointer = self.core.rng.randrange(0x7F0000000000, 0x7FFFFFFFFFFF) & ~0xF
        return AmiSession(
            session_id=f"0x{pointer:x}",
            local_address=_address(writer.get_extra_info("sockname")),
            remote_address=_address(writer.get_extra_info("peername")),
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = self._new_session(writer)
        connection = AmiConnection(self, writer, session)
        self._connections.add(connection)
        sock = writer.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            # manager.c sets TCP_NODELAY: responses go out as soon as they are written.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.info("AMI connect from %s (session %s)", session.remote_address, session.session_id)
        try:
            writer.write(f"Asterisk Call Manager/{self.core.identity.ami_version}\r\n".encode())
            decoder = FrameDecoder()
            while True:
                data = await reader.read(_READ_CHUNK)
                if not data:
                    break
                if await connection.handle(decoder.feed(data)) is After.CLOSE:
                    break
                await writer.drain()
        except ConnectionError:
            pass
        except asyncio.CancelledError:
            # Only stop() cancels us. Returning normally keeps asyncio's client_connected_cb bookkeeping from
            # logging a spurious "exception in callback" for the cancelled task (Python 3.11).
            if not self._stopping:
                raise
        finally:
            self._connections.discard(connection)
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            log.info("AMI disconnect %s (session %s)", session.remote_address, session.session_id)
