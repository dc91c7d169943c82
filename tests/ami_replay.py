"""A loopback AMI server that replays a recorded Asterisk session to whatever client connects.

A transcript's `X.annotated.txt` interleaves what the recording client sent (`### >>> SENT`) with what
Asterisk answered (`### <<< RECV n bytes`, the exact bytes of each TCP read). The server sends the RECV
chunks in the recorded chunking; at each SENT it waits for the client's next action, checks it is the same
action, and maps the recorded ActionID to the client's own (a client picks its ActionIDs), rewriting
`ActionID:` headers in what it sends afterwards. An action recorded without ActionID gets the client's
inserted into its response. Actions the recording never made (the client's `Filter`s after login) are
answered with a synthesized `Response: Success` and do not advance the script.

This is a test fixture, not a PBX: it knows nothing but the recording.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine.adapters.ami.frames import Framer, Message, decode, first
from tests.recorded import TRANSCRIPTS

_HEADER = re.compile(rb"\n### (<<< RECV \d+ bytes t=[\d.]+|>>> SENT \d+ bytes t=[\d.]+|NOTE t=[^\n]*|EOF[^\n]*)\n")


@dataclass(frozen=True, slots=True)
class Step:
    sent: bool  # True: an action the recording client sent; False: a chunk Asterisk sent
    data: bytes


def load(name: str, folder: Path = TRANSCRIPTS) -> list[Step]:
    """The SENT/RECV steps of `<name>.annotated.txt`, checked against the raw `<name>.txt` / `.tx.txt`."""
    parts = _HEADER.split((folder / f"{name}.annotated.txt").read_bytes())
    steps = [
        Step(head.startswith(b">>>"), body)
        for head, body in zip(parts[1::2], parts[2::2], strict=True)
        if head.startswith((b">>>", b"<<<"))
    ]
    assert b"".join(s.data for s in steps if not s.sent) == (folder / f"{name}.txt").read_bytes()
    assert b"".join(s.data for s in steps if s.sent) == (folder / f"{name}.tx.txt").read_bytes()
    return steps


def received_bytes(name: str) -> bytes:
    return (TRANSCRIPTS / f"{name}.txt").read_bytes()


def recorded_actions(steps: list[Step]) -> list[Message]:
    return [decode(step.data.rstrip(b"\r\n")) for step in steps if step.sent]


def without_action_id(message: Message) -> list[tuple[str, str]]:
    """An action's headers as a sorted list, ActionID left out: header order does not matter to Asterisk."""
    return sorted((key, value) for key, value in message if key != "ActionID")


@dataclass
class ReplayServer:
    """Serves `steps` to each connection in turn (one script per connection, from `scripts`)."""

    scripts: list[list[Step]]
    # Stop the script after the client's action number `cut_after` (0-based, script actions only) and close.
    cut_after: int | None = None
    rechunk: Callable[[bytes], list[bytes]] | None = None
    # After the last script, keep the connection open (answering Logoff) instead of closing like the recording.
    hold: bool = False
    received: list[tuple[int, Message]] = field(default_factory=list)  # (connection index, action)
    mismatches: list[str] = field(default_factory=list)
    connections: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = self.connections
        self.connections += 1
        script = self.scripts[min(index, len(self.scripts) - 1)]
        try:
            session = _Session(self, index, script, reader, writer, cut=self.cut_after if index == 0 else None)
            if await session.play() and self.hold and index >= len(self.scripts) - 1:
                await session.hold()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            if index == len(self.scripts) - 1:
                self.finished.set()


class _Session:
    def __init__(
        self,
        server: ReplayServer,
        index: int,
        script: list[Step],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        cut: int | None,
    ) -> None:
        self.server, self.index, self.script, self.reader, self.writer = server, index, script, reader, writer
        self.cut = cut
        self.ids: dict[str, str] = {}
        self.inject: str | None = None
        self.framer = Framer()
        self.inbox: list[Message] = []
        self.carry = b""

    async def play(self) -> bool:
        """Plays the script; False if it stopped early (cut, mismatch, client gone)."""
        done = 0
        for step in self.script:
            if not step.sent:
                await self._send(step.data)
                continue
            recorded = decode(step.data.rstrip(b"\r\n"))
            action = await self._next_script_action()
            if action is None:
                return False
            if (first(action, "Action") or "").lower() != (first(recorded, "Action") or "").lower():
                self.server.mismatches.append(f"expected {first(recorded, 'Action')}, got {first(action, 'Action')}")
                return False
            client_id = first(action, "ActionID") or ""
            recorded_id = first(recorded, "ActionID")
            if recorded_id is None:
                self.inject = client_id
            else:
                self.ids[recorded_id] = client_id
            if self.cut is not None and done == self.cut:
                return False
            done += 1
        return True

    async def hold(self) -> None:
        while (action := await self._next_script_action()) is not None:
            action_id = first(action, "ActionID")
            if (first(action, "Action") or "").lower() == "logoff":
                await self._send_raw(f"Response: Goodbye\r\nActionID: {action_id}\r\n\r\n".encode())
                return
            reply = f"Response: Error\r\nActionID: {action_id}\r\nMessage: replay script ended\r\n\r\n"
            await self._send_raw(reply.encode())

    async def _next_script_action(self) -> Message | None:
        while True:
            while not self.inbox:
                data = await self.reader.read(65536)
                if not data:
                    return None
                self.inbox.extend(decode(block) for block in self.framer.feed(data))
            action = self.inbox.pop(0)
            self.server.received.append((self.index, action))
            if (first(action, "Action") or "").lower() == "filter":
                reply = f"Response: Success\r\nActionID: {first(action, 'ActionID')}\r\nMessage: Success\r\n\r\n"
                await self._send_raw(reply.encode())
                continue
            return action

    async def _send(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b"\n") + 1
        whole, self.carry = data[:cut], data[cut:]
        await self._send_raw(self._rewrite(whole) if whole else b"")

    def _rewrite(self, data: bytes) -> bytes:
        out: list[bytes] = []
        for line in data.split(b"\r\n"):
            if line.startswith(b"ActionID: "):
                recorded = line[10:].decode()
                line = b"ActionID: " + self.ids.get(recorded, recorded).encode()
            out.append(line)
            if self.inject is not None and line.startswith(b"Response: "):
                out.append(b"ActionID: " + self.inject.encode())
                self.inject = None
        return b"\r\n".join(out)

    async def _send_raw(self, data: bytes) -> None:
        if not data:
            return
        pieces = self.server.rechunk(data) if self.server.rechunk else [data]
        for piece in pieces:
            self.writer.write(piece)
            await self.writer.drain()
