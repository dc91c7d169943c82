"""The engine's AMI client: one connection to Asterisk's manager interface, typed both ways.

Everything the socket yields (the banner, each framed message, the loss of the connection) goes through one
synchronous sink into one ordered queue, drained by one task (`_drain`). That task decodes each message,
resolves the futures of pending actions by ActionID (a Response; a list's items up to `EventList: Complete`;
the OriginateResponse of an async Originate) and hands every event, in wire order, to `on_event`.

`run()` owns the connection's life: connect, Login, one `Filter` per event the engine never reads, the
caller's resync hook, then events flow; on loss every pending action fails with ConnectionLost (never
re-sent: an Originate would dial twice) and the client reconnects after a capped exponential backoff on the
injected clock. A refused Login ends `run()` with AuthenticationFailed instead: retrying the same secret
cannot help. Events arriving during login and resync are held and delivered right after `AmiConnected`, so
the consumer sees the snapshot the resync published before anything newer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from engine.adapters.ami.decode import DECODE_ERRORS, decode_event
from engine.adapters.ami.frames import encode, parse
from engine.adapters.ami.protocol import AmiTransport, Banner, Inbound, Lost
from engine.adapters.backoff import DEFAULT_BACKOFF, Backoff
from engine.clock import RuntimeClock
from engine.config import AmiSettings
from engine.pbx.ami_commands.base import AmiCommand
from engine.pbx.ami_commands.errors import AmiActionError, AmiError, AuthenticationFailed, ConnectionLost
from engine.pbx.ami_commands.replies import AmiReply, ReplyKind
from engine.pbx.ami_commands.session import Filter, Login, Logoff
from engine.pbx.ami_events import AmiConnected, AmiDisconnected, AmiEvent, AmiStreamItem, OriginateResponse

log = logging.getLogger(__name__)
R = TypeVar("R")

# Dropped on the Asterisk side (as the shipped manager.conf does): one per dialplan step or variable, one per
# media stream every few seconds, a copy of channel events; the engine reads none of them.
DEFAULT_EXCLUDED_EVENTS = ("VarSet", "Newexten", "RTCPSent", "RTCPReceived", "CEL", "NewAccountCode")

Resync = Callable[["AmiClient"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _OpenGate:
    resynced: bool


_STOP = object()


class _Pending:
    __slots__ = ("action", "future", "items", "kind", "response")

    def __init__(self, action: str, kind: ReplyKind, future: asyncio.Future[AmiReply]) -> None:
        self.action = action
        self.kind = kind
        self.future = future
        self.response: tuple[tuple[str, str], ...] | None = None
        self.items: list[AmiEvent] = []

    def resolve(self, *items: AmiEvent) -> None:
        if not self.future.done():
            self.future.set_result(AmiReply(self.action, self.response or (), (*self.items, *items)))

    def fail(self, error: Exception) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class AmiClient:
    def __init__(
        self,
        settings: AmiSettings,
        clock: RuntimeClock,
        on_event: Callable[[AmiStreamItem], None],
        resync: Resync | None = None,
        *,
        backoff: Backoff = DEFAULT_BACKOFF,
        excluded_events: tuple[str, ...] = DEFAULT_EXCLUDED_EVENTS,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._consumer = on_event
        self._resync = resync
        self._backoff = backoff
        self._excluded = excluded_events
        self._queue: asyncio.Queue[Inbound | _OpenGate | object] = asyncio.Queue()
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._transport: AmiTransport | None = None
        self._connection_ended: asyncio.Future[None] | None = None
        self._logged_in = False
        self._gate_open = False
        self._held: list[AmiEvent] = []
        self._closing = False
        self._backoff_sleep: asyncio.Future[None] | None = None
        self.banner: str | None = None
        # Completed logins, for the operator's status and for tests.
        self.sessions = 0

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def connected(self) -> bool:
        """Logged in: actions may be sent."""
        return self._logged_in

    # --- public API ---------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, and reconnect until `close()`; raises AuthenticationFailed if Asterisk refuses the login."""
        failure: Exception | None = None
        async with asyncio.TaskGroup() as group:
            group.create_task(self._drain())
            try:
                await self._connect_loop(group)
            except Exception as exc:  # re-raised below, unwrapped from the TaskGroup's ExceptionGroup
                failure = exc
            finally:
                self._queue.put_nowait(_STOP)
        if failure is not None:
            raise failure

    async def send(self, command: AmiCommand[R]) -> R:
        """Send one action and return its typed result. Raises AmiActionError (`Response: Error`), or
        ConnectionLost if not logged in or if the connection drops before the reply; never re-sent."""
        return await self.submit(command)

    def submit(self, command: AmiCommand[R]) -> asyncio.Future[R]:
        """Write the action now and return the future of its result: actions submitted one after the other
        reach Asterisk in that order even when their replies are awaited later (an async Originate whose
        OriginateResponse comes after further actions)."""
        if not self._logged_in:
            raise ConnectionLost(f"AMI not connected; {command.action_name()} not sent")
        action_id, reply = self._write(command)
        result: asyncio.Future[R] = asyncio.get_running_loop().create_future()

        def settle(reply: asyncio.Future[AmiReply]) -> None:
            if result.done():
                return
            if reply.cancelled():
                result.cancel()
            elif (error := reply.exception()) is not None:
                result.set_exception(error)
            else:
                try:
                    result.set_result(command.result(reply.result()))
                except AmiError as exc:
                    result.set_exception(exc)

        def forget(result: asyncio.Future[R]) -> None:
            # A caller that gave up leaves no entry behind; a late reply is then logged and dropped.
            if result.cancelled():
                self._pending.pop(action_id, None)

        reply.add_done_callback(settle)
        result.add_done_callback(forget)
        return result

    async def close(self) -> None:
        """Log off and end `run()`; pending actions fail with ConnectionLost."""
        self._closing = True
        if self._backoff_sleep is not None:
            self._backoff_sleep.cancel()
        transport = self._transport
        if transport is None:
            return
        if self._logged_in:
            with contextlib.suppress(ConnectionLost, AmiActionError, TimeoutError):
                async with asyncio.timeout(self._settings.connect_timeout):
                    await self._request(Logoff())
        transport.close()

    # --- connection life ----------------------------------------------------------------------------------

    async def _connect_loop(self, group: asyncio.TaskGroup) -> None:
        attempt = 0
        while not self._closing:
            try:
                if await self._session():
                    attempt = 0
            except (OSError, TimeoutError) as exc:
                log.warning("AMI %s:%s: cannot connect: %s", self._settings.host, self._settings.port, exc)
            if self.closing:  # close() may have run while the session was up
                return
            attempt += 1
            delay = self._backoff.delay(attempt)
            log.info("AMI reconnect in %.1f s (attempt %d)", delay, attempt)
            # A task, so that close() can cut the wait short by cancelling it.
            self._backoff_sleep = asyncio.ensure_future(self._clock.sleep(delay))
            try:
                await self._backoff_sleep
            except asyncio.CancelledError:
                if not self._closing:
                    raise
            finally:
                self._backoff_sleep = None

    async def _session(self) -> bool:
        """One connection, from connect to loss; True if it got as far as delivering events."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self._settings.connect_timeout):
            _, transport = await loop.create_connection(
                lambda: AmiTransport(self._queue.put_nowait), self._settings.host, self._settings.port
            )
        ended: asyncio.Future[None] = loop.create_future()
        self._transport, self._connection_ended = transport, ended
        opened = False
        try:
            await self._login()
            for name in self._excluded:
                try:
                    await self._request(Filter(f"action(exclude),name({name})"))
                except AmiActionError as exc:  # e.g. no `system` write permission: manager.conf filters remain
                    log.warning("AMI Filter for %s refused: %s", name, exc.message)
            if self._resync is not None:
                await self._resync(self)
            self._queue.put_nowait(_OpenGate(resynced=self._resync is not None))
            opened = True
        except ConnectionLost as exc:
            log.warning("AMI connection lost while starting the session: %s", exc)
        except BaseException:
            transport.close()
            raise
        if self._closing or not opened:
            transport.close()
        # The drain task resolves this once it has processed the loss, so all state is reset by then.
        await ended
        return opened

    async def _login(self) -> None:
        try:
            await self._request(Login(self._settings.username, self._settings.secret))
        except AmiActionError as exc:
            self._closing = True
            raise AuthenticationFailed(
                f"AMI login as '{self._settings.username}' at {self._settings.host}:{self._settings.port} "
                f"refused: {exc.message}"
            ) from None
        self._logged_in = True
        self.sessions += 1

    async def _request(self, command: AmiCommand[R]) -> R:
        """Like send(), before login too (Login, Filter and Logoff go through here)."""
        action_id, reply = self._write(command)
        try:
            return command.result(await reply)
        finally:
            self._pending.pop(action_id, None)

    def _write(self, command: AmiCommand[object]) -> tuple[str, asyncio.Future[AmiReply]]:
        transport = self._transport
        if transport is None:
            raise ConnectionLost(f"AMI not connected; {command.action_name()} not sent")
        action_id = f"callhive-{next(self._ids)}"
        data = encode([("Action", command.action_name()), ("ActionID", action_id), *command.fields()])
        reply: asyncio.Future[AmiReply] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = _Pending(command.action_name(), command.reply_kind(), reply)
        transport.write(data)
        return action_id, reply

    # --- the one consumer ---------------------------------------------------------------------------------

    async def _drain(self) -> None:
        queue = self._queue
        while True:
            item = await queue.get()
            while True:
                if type(item) is bytes:
                    self._on_message(item)
                elif item is _STOP:
                    return
                elif isinstance(item, Banner):
                    self.banner = item.text
                elif isinstance(item, Lost):
                    self._on_lost(item.reason)
                elif isinstance(item, _OpenGate):
                    self._open_gate(item.resynced)
                if queue.empty():
                    break
                item = queue.get_nowait()

    def _on_message(self, block: bytes) -> None:
        pairs, bad = parse(block)
        if bad:
            log.warning("AMI: dropped %d line(s) without a colon, first %r", len(bad), bad[0][:80])
        if not pairs:
            return
        key, value = pairs[0]
        if key == "Event":
            self._on_event(value, pairs)
        elif key == "Response":
            self._on_response(pairs)
        else:
            log.warning("AMI: dropped a message with neither Response nor Event: %r", pairs[:3])

    def _on_response(self, pairs: list[tuple[str, str]]) -> None:
        action_id = _header(pairs, "ActionID")
        pending = self._pending.get(action_id) if action_id is not None else None
        if pending is None:
            log.info("AMI: response to no pending action (ActionID %r) dropped", action_id)
            return
        pending.response = tuple(pairs)
        ok = pairs[0][1] == "Success"
        if ok and pending.kind is ReplyKind.ORIGINATE:
            return  # "Originate successfully queued": the OriginateResponse event completes it
        if ok and pending.kind is ReplyKind.LIST and (_header(pairs, "EventList") or "").lower() == "start":
            return  # items follow, up to the event with `EventList: Complete`
        pending.resolve()

    def _on_event(self, name: str, pairs: list[tuple[str, str]]) -> None:
        try:
            event: AmiEvent | None = decode_event(name, pairs)
        except DECODE_ERRORS as exc:
            log.warning("AMI: dropped unreadable %s event (%s: %s)", name, type(exc).__name__, exc)
            event = None
        # Only list items and OriginateResponse carry an ActionID; skip the scan when nothing waits.
        action_id = _header(pairs, "ActionID") if self._pending else None
        pending = self._pending.get(action_id) if action_id is not None else None
        if pending is not None:
            if pending.kind is ReplyKind.LIST and pending.response is not None:
                if (_header(pairs, "EventList") or "").lower() == "complete":
                    pending.resolve()
                elif event is not None:
                    pending.items.append(event)
            elif pending.kind is ReplyKind.ORIGINATE and name == "OriginateResponse":
                if isinstance(event, OriginateResponse):
                    pending.resolve(event)
                else:
                    pending.fail(AmiActionError(pending.action, "unreadable OriginateResponse"))
        if event is not None:
            self._publish(event)

    def _publish(self, event: AmiEvent) -> None:
        if self._gate_open:
            self._consumer(event)
        else:
            self._held.append(event)

    def _open_gate(self, resynced: bool) -> None:
        self._gate_open = True
        self._consumer(AmiConnected(resynced=resynced))
        held, self._held = self._held, []
        for event in held:
            self._consumer(event)

    def _on_lost(self, reason: str) -> None:
        self._transport = None
        self._logged_in = False
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            entry.fail(ConnectionLost(f"AMI connection lost before the reply to {entry.action}: {reason}"))
        if self._held:
            log.info("AMI: %d event(s) received during login/resync dropped with the connection", len(self._held))
            self._held = []
        if self._gate_open:
            self._gate_open = False
            self._consumer(AmiDisconnected(reason))
        if self._connection_ended is not None and not self._connection_ended.done():
            self._connection_ended.set_result(None)


def _header(pairs: list[tuple[str, str]], key: str) -> str | None:
    for name, value in pairs:
        if name == key:
            return value
    return None
