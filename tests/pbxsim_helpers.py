"""Helpers for replaying the recorded Asterisk transcripts against pbxsim.

A recorded AMI session is three files (see tests/recordings/README.md): `X.txt` (bytes received),
`X.tx.txt` (bytes sent) and `X.annotated.txt` (both interleaved, `### >>> SENT n bytes` /
`### <<< RECV n bytes` / `### NOTE` / `### EOF` markers followed by exactly n payload bytes). The annotated
file gives the *schedule* - which received messages completed between one send and the next - and the
loader checks that its payloads concatenate back to the two raw files, so a schedule can never drift from
the truth.

Masking is explicit: `VARYING` lists every header whose value legitimately differs between the recording
and a simulator run, with the pattern both values must match. Everything else is compared byte for byte.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from pbxsim.model import FarEnd
from tests.recorded import TRANSCRIPTS

END = b"\r\n\r\n"
GUARD_SECONDS = 10.0  # safety net so a broken simulator fails instead of hanging; never asserted on

# The lab's customers (etc/extensions.conf [customers], also dialled over the SIP loop as cust-<number>): what a
# number does is said by its first three digits.
CUSTOMER_RING_S = 3.0  # 555XXXX: Ringing, Wait(3), Answer
CUSTOMERS = {
    "555": FarEnd.answers(after=CUSTOMER_RING_S),
    "666": FarEnd.busy(),
    "777": FarEnd.no_answer(),
    "888": FarEnd.congestion(),
}


def customer(number: str) -> FarEnd:
    """How the recorded lab's customer `number` behaves when called."""
    return CUSTOMERS[number[:3]]

_ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000"
_ADDRESS = r"IPV4/TCP/127\.0\.0\.1/\d+"

# Header -> pattern for values that vary between runs (and why).
VARYING: dict[str, str] = {
    "Timestamp": r"\d+\.\d{6}",  # Ping: clock time of the reply
    "Challenge": r"\d{1,9}",  # random per session
    "SessionID": r"0x[0-9a-f]+",  # address of the session struct on Asterisk
    "EventTV": _ISO_MS,  # time of the event
    "SessionTV": _ISO_MS,  # time of the login
    "LocalAddress": _ADDRESS,  # server port: the recording used 5038, the simulator binds port 0
    "RemoteAddress": _ADDRESS,  # client's ephemeral port
    "Uptime": r"\d+",  # seconds since start
    "LastReload": r"\d+",  # seconds since last reload
    "CoreStartupDate": r"\d{4}-\d\d-\d\d",
    "CoreStartupTime": r"\d\d:\d\d:\d\d",
    "CoreReloadDate": r"\d{4}-\d\d-\d\d",
    "CoreReloadTime": r"\d\d:\d\d:\d\d",
    "CoreProcessedCalls": r"\d+",  # the recorded box had already handled calls
}


@dataclass
class Step:
    """One request sent by the recorded client and the messages that completed before the next send."""

    sent: bytes
    received: list[bytes] = field(default_factory=list)


@dataclass
class Transcript:
    banner: bytes
    steps: list[Step]
    ends_with_eof: bool


def parse_annotated(data: bytes) -> list[tuple[str, bytes]]:
    """[(kind, payload)] for SENT/RECV/EOF markers of an annotated transcript."""
    marker = re.compile(rb"^### (>>> SENT|<<< RECV) (\d+) bytes[^\n]*\n|^### (EOF)[^\n]*\n", re.MULTILINE)
    out: list[tuple[str, bytes]] = []
    position = 0
    while (match := marker.search(data, position)) is not None:
        if match.group(3):
            out.append(("EOF", b""))
            position = match.end()
            continue
        size = int(match.group(2))
        start = match.end()
        out.append(("SENT" if b"SENT" in match.group(1) else "RECV", data[start : start + size]))
        position = start + size
    return out


def load_transcript(name: str) -> Transcript:
    parts = parse_annotated((TRANSCRIPTS / f"{name}.annotated.txt").read_bytes())
    received = b"".join(payload for kind, payload in parts if kind == "RECV")
    sent = b"".join(payload for kind, payload in parts if kind == "SENT")
    assert received == (TRANSCRIPTS / f"{name}.txt").read_bytes(), "annotated RECV != .txt"
    assert sent == (TRANSCRIPTS / f"{name}.tx.txt").read_bytes(), "annotated SENT != .tx.txt"
    banner = received[: received.index(b"\r\n") + 2]
    steps: list[Step] = []
    pending = b""
    skip = len(banner)
    eof = False
    for kind, payload in parts:
        if kind == "SENT":
            steps.append(Step(payload))
        elif kind == "EOF":
            eof = True
        else:
            taken = min(skip, len(payload))
            skip -= taken
            pending += payload[taken:]
            while END in pending:
                message, pending = pending.split(END, 1)
                assert steps, "message before the first request"
                steps[-1].received.append(message + END)
    assert not pending, "transcript ends inside a message"
    return Transcript(banner, steps, eof)


def headers_of(message: bytes) -> list[tuple[str, str]]:
    text = message.decode("utf-8", "surrogateescape")
    assert text.endswith("\r\n\r\n"), f"not one AMI message: {text!r}"
    out = []
    for line in text[:-4].split("\r\n"):
        key, _, value = line.partition(": ")
        out.append((key, value))
    return out


def masked(expected: bytes, actual: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Both messages' headers with VARYING values replaced by <Key>.

    The recording decides what is masked: a header is masked only where its recorded value has the varying
    shape (so `Challenge: Generate Challenge for MD5 Auth...` inside ListCommands is still compared
    exactly), and then the simulator's value must have that shape too.
    """
    want, got = headers_of(expected), headers_of(actual)
    for index, (key, value) in enumerate(want):
        pattern = VARYING.get(key)
        if pattern is None or not re.fullmatch(pattern, value):
            continue
        want[index] = (key, f"<{key}>")
        if index < len(got) and got[index][0] == key:
            assert re.fullmatch(pattern, got[index][1]), f"{key}: {got[index][1]!r} does not match {pattern}"
            got[index] = (key, f"<{key}>")
    return want, got


async def read_message(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(END)


async def assert_nothing_received(reader: asyncio.StreamReader, spins: int = 50) -> None:
    """Yield to the event loop repeatedly (no wall-time wait) and check no byte arrived meanwhile."""
    pending = asyncio.ensure_future(reader.read(1))
    for _ in range(spins):
        await asyncio.sleep(0)
    try:
        assert not pending.done(), f"unexpected data: {pending.result() if pending.done() else b''!r}"
    finally:
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)


BeforeRead = Callable[[int, asyncio.StreamReader], Awaitable[None]]


async def replay(
    name: str,
    port: int,
    steps: Sequence[int] | None = None,
    before_read: BeforeRead | None = None,
) -> list[tuple[list[bytes], list[bytes]]]:
    """Send the recorded client's requests (all, or the chosen step indices) and collect the replies.

    After each send, as many messages are read as the recording shows for that step; `before_read` runs
    between the send and the reads. Returns [(expected, actual)] per step. The banner is checked exactly,
    and when the whole transcript is replayed and it ended with the server closing, so must the simulator.
    """
    transcript = load_transcript(name)
    chosen = range(len(transcript.steps)) if steps is None else steps
    results: list[tuple[list[bytes], list[bytes]]] = []
    async with asyncio.timeout(GUARD_SECONDS):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            assert await reader.readexactly(len(transcript.banner)) == transcript.banner
            for index in chosen:
                step = transcript.steps[index]
                writer.write(step.sent)
                await writer.drain()
                if before_read is not None:
                    await before_read(index, reader)
                actual = [await read_message(reader) for _ in step.received]
                results.append((step.received, actual))
            if steps is None and transcript.ends_with_eof:
                assert await reader.read() == b"", "server should have closed the connection"
        finally:
            writer.close()
            await asyncio.gather(writer.wait_closed(), return_exceptions=True)
    return results


def assert_replay_matches(results: list[tuple[list[bytes], list[bytes]]], per_step: bool = True) -> None:
    """Compare masked messages per step, or as one flattened sequence when the recording's timing split
    an asynchronous event into the next step (order is still compared)."""
    if per_step:
        for number, (expected, actual) in enumerate(results):
            assert len(actual) == len(expected), f"step {number}"
            for want, got in zip(expected, actual, strict=True):
                masked_want, masked_got = masked(want, got)
                assert masked_got == masked_want, f"step {number}"
    else:
        expected_all = [m for expected, _ in results for m in expected]
        actual_all = [m for _, actual in results for m in actual]
        assert len(actual_all) == len(expected_all)
        for number, (want, got) in enumerate(zip(expected_all, actual_all, strict=True)):
            masked_want, masked_got = masked(want, got)
            assert masked_got == masked_want, f"message {number}"
