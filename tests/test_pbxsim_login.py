"""pbxsim foundation: AMI login/protocol and ARI basics checked against the Asterisk 22.10.1 recordings.

Everything runs on real loopback sockets against a `PbxSim` on a `ManualClock`; nothing waits on wall time
(the only wall-time bound is `GUARD_SECONDS`, a hang guard that is never asserted on). Recorded values that
legitimately vary are masked by name - see `pbxsim_helpers.VARYING`.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pbxsim.ami.codec import LINE_TOO_LONG, FrameDecoder, Request, encode
from pbxsim.ami.session import ALL_CLASSES, EventFlag, strings_to_mask
from pbxsim.clock import ManualClock
from pbxsim.server import PbxSim, PbxSimConfig
from tests.conftest import StartSim
from tests.pbxsim_helpers import (
    END,
    GUARD_SECONDS,
    assert_nothing_received,
    assert_replay_matches,
    headers_of,
    read_message,
    replay,
)
from tests.recorded import ARI_DOCS, TRANSCRIPTS

REPO = Path(__file__).resolve().parents[1]
USER = SECRET = "engine"  # the recorded credentials (etc/manager.conf, etc/ari.conf)
ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000"


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    return await start_sim(seed=7)


# --------------------------------------------------------------------------- AMI: recorded transcripts


async def test_prelogin_and_auth_failure_replay(sim: PbxSim, clock: ManualClock) -> None:
    """Permission denied before login (connection stays open), then a wrong secret: ~1 s on the
    simulator's clock, `Authentication failed`, and the server hangs up."""

    async def hold_login(index: int, reader: asyncio.StreamReader) -> None:
        if index != 2:  # the Login with Secret: wrong
            return
        await clock.wait_for_sleepers(1)
        assert clock.next_deadline == clock.now() + 1.0
        await assert_nothing_received(reader)
        clock.advance(0.75)
        await assert_nothing_received(reader)
        clock.advance(0.25)

    results = await replay("ami_prelogin_and_auth_failure", sim.ami_port, before_read=hold_login)
    assert_replay_matches(results)
    # Nothing was masked in this transcript: the replies are byte-identical.
    assert [actual for _, actuals in results for actual in actuals] == [
        expected for expecteds, _ in results for expected in expecteds
    ]


async def test_login_events_off_replay(sim: PbxSim) -> None:
    """Login with Events: off (no FullyBooted, no SuccessfulAuth), Ping, Events on/off, Challenge,
    ListCommands (the whole recorded inventory) and Logoff -> Goodbye + EOF."""
    assert_replay_matches(await replay("ami_login_events_off", sim.ami_port))


async def test_login_with_events_and_core_actions_replay(sim: PbxSim) -> None:
    """ami_misc_and_errors: Login (ack, FullyBooted, SuccessfulAuth), CoreStatus, CoreSettings,
    `core show version` and an unknown CLI command. Steps needing a call model are not replayed."""
    assert_replay_matches(await replay("ami_misc_and_errors", sim.ami_port, steps=[0, 1, 2, 3, 5]))


async def test_ping_and_unknown_action_replay(sim: PbxSim) -> None:
    """ami_login_and_queue_call: Ping with/without ActionID, unknown action -> error + RequestBadFormat.
    The recording saw SuccessfulAuth only after its next request went out (asynchronous delivery), so the
    messages are compared as one ordered sequence."""
    results = await replay("ami_login_and_queue_call", sim.ami_port, steps=[0, 1, 2, 3])
    assert_replay_matches(results, per_step=False)


async def test_full_boot_uptime_follows_the_clock(sim: PbxSim, clock: ManualClock) -> None:
    clock.advance(101)  # the recording's Uptime
    async with ami_session(sim) as (reader, writer):
        writer.write(b"Action: Login\r\nUsername: ENGINE\r\nSecret: engine\r\n\r\n")
        assert headers_of(await read_message(reader))[1] == ("Message", "Authentication accepted")
        booted = dict(headers_of(await read_message(reader)))
        assert (booted["Event"], booted["Uptime"], booted["LastReload"]) == ("FullyBooted", "101", "101")
        auth = dict(headers_of(await read_message(reader)))
        assert auth["AccountID"] == "ENGINE"  # as typed; user names match case-insensitively


# --------------------------------------------------------------------------- AMI: behaviour not recorded
# (follows main/manager.c; see pbxsim/ami/codec.py and actions.py)


@contextlib.asynccontextmanager
async def ami_session(
    sim: PbxSim, login: bool = False
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """An AMI connection past the banner; with `login`, logged in as engine with Events: off."""
    async with asyncio.timeout(GUARD_SECONDS):
        reader, writer = await asyncio.open_connection("127.0.0.1", sim.ami_port)
        try:
            assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
            if login:
                writer.write(b"Action: Login\r\nUsername: engine\r\nSecret: engine\r\nEvents: off\r\n\r\n")
                assert b"Authentication accepted" in await read_message(reader)
            yield reader, writer
        finally:
            writer.close()
            await asyncio.gather(writer.wait_closed(), return_exceptions=True)


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> list[tuple[str, str]]:
    writer.write(raw)
    return headers_of(await read_message(reader))


async def test_malformed_input_is_handled_like_asterisk(sim: PbxSim) -> None:
    async with ami_session(sim, login=True) as (reader, writer):
        # Logged in with Events: off; ask for security events only.
        on = await ask(reader, writer, b"Action: Events\r\nEventMask: security\r\n\r\n")
        assert on == [("Response", "Success"), ("Events", "On")]
        # No colon / garbage bytes only: nothing matches `Action`, the connection survives.
        missing = [("Response", "Error"), ("Message", "Missing action in request")]
        assert await ask(reader, writer, b"this line has no colon\r\n\xff\xfe\x00junk\r\n\r\n") == missing
        # ...and a logged-in session also gets the security event, after the response.
        event = dict(headers_of(await read_message(reader)))
        assert (event["Event"], event["RequestType"]) == ("RequestBadFormat", "Action: NONE")
        # Bare LF line ends, lower-case names, blanks after the colon, junk lines mixed in.
        pong = await ask(reader, writer, b"action:\t ping\nno colon here\nACTIONID: lf-1\n\n")
        assert pong[:3] == [("Response", "Success"), ("ActionID", "lf-1"), ("Ping", "Pong")]
        # Non-UTF-8 bytes in a value come back byte for byte.
        writer.write(b"Action: Ping\r\nActionID: caf\xe9\r\n\r\n")
        assert (await read_message(reader)).startswith(b"Response: Success\r\nActionID: caf\xe9\r\nPing: Pong\r\n")
        # A line longer than Asterisk's 1024-byte buffer poisons its message, not the connection.
        too_long = await ask(reader, writer, b"Action: Ping\r\nActionID: big\r\nX: " + b"a" * 3000 + b"\r\n\r\n")
        assert too_long == [("Response", "Error"), ("ActionID", "big"), ("Message", LINE_TOO_LONG)]
        # One request split across writes, then two requests in one write.
        writer.write(b"Action: Pi")
        await writer.drain()
        writer.write(b"ng\r\nActionID: a\r\n\r\nAction: Ping\r\nActionID: b\r\n\r\n")
        assert [headers_of(await read_message(reader))[1] for _ in range(2)] == [("ActionID", "a"), ("ActionID", "b")]


async def test_prelogin_rules(sim: PbxSim, clock: ManualClock) -> None:
    async with ami_session(sim) as (reader, writer):
        # Unknown actions are refused by the login gate before the action table is consulted.
        assert await ask(reader, writer, b"Action: NoSuchAction\r\n\r\n") == [
            ("Response", "Error"),
            ("Message", "Permission denied"),
        ]
        # Logoff is allowed before login.
        assert await ask(reader, writer, b"Action: Logoff\r\n\r\n") == [
            ("Response", "Goodbye"),
            ("Message", "Thanks for all the fish."),
        ]
        assert await reader.read() == b""
    async with ami_session(sim) as (reader, writer):
        writer.write(b"Action: Login\r\nUsername: nobody\r\nSecret: engine\r\n\r\n")
        await clock.wait_for_sleepers(1)
        await assert_nothing_received(reader)
        clock.advance(1.0)
        assert headers_of(await read_message(reader)) == [("Response", "Error"), ("Message", "Authentication failed")]
        assert await reader.read() == b""


async def test_md5_challenge_login_and_session_actions(sim: PbxSim) -> None:
    async with ami_session(sim) as (reader, writer):
        challenge = dict(await ask(reader, writer, b"Action: Challenge\r\nAuthType: MD5\r\n\r\n"))["Challenge"]
        key = hashlib.md5((challenge + SECRET).encode()).hexdigest()
        login = f"Action: Login\r\nAuthType: md5\r\nUsername: engine\r\nKey: {key}\r\n\r\n".encode()
        assert ("Message", "Authentication accepted") in await ask(reader, writer, login)
        await read_message(reader)  # FullyBooted
        await read_message(reader)  # SuccessfulAuth
        again = await ask(reader, writer, b"Action: Login\r\nUsername: engine\r\nSecret: x\r\n\r\n")
        assert again == [("Response", "Success"), ("Message", "Already authenticated")]
        bad_mask = await ask(reader, writer, b"Action: Events\r\nActionID: e\r\n\r\n")
        assert bad_mask == [("Response", "Error"), ("ActionID", "e"), ("Message", "Invalid event mask")]
        no_cmd = await ask(reader, writer, b"Action: Command\r\n\r\n")
        assert no_cmd == [("Response", "Error"), ("Message", "No command provided")]


def test_frame_decoder_is_chunking_independent() -> None:
    stream = b"Action: Ping\r\nActionID: 1\r\n\r\nAction: Logoff\n\n\x00ignored\r\n"
    whole = FrameDecoder().feed(stream)
    decoder = FrameDecoder()
    pieces = [request for byte in stream for request in decoder.feed(bytes([byte]))]
    assert pieces == whole
    assert [r.get("Action") for r in whole] == ["Ping", "Logoff", ""]  # a NUL-led line ends a message


def test_frame_decoder_line_limit_matches_manager_c() -> None:
    # 1022 bytes + CRLF fits the 1024-byte window; 1023 + CRLF does not (the LF falls outside it).
    fits = FrameDecoder().feed(b"X: " + b"a" * 1019 + b"\r\n\r\n")
    assert fits == [Request(("X: " + "a" * 1019,))]
    overflow = FrameDecoder().feed(b"X: " + b"a" * 1020 + b"\r\n")
    assert overflow == [Request((), LINE_TOO_LONG)]


def test_request_header_lookup_and_encode() -> None:
    request = Request(("Action :nope", "action:  Ping", "Action: second", "Empty:", "ActionID: x  "))
    assert request.get("Action") == "Ping"
    assert request.get("ActionID") == "x  "  # trailing blanks are kept
    assert request.get("Empty", skip_empty=True) == ""
    assert encode([("Response", "Success"), ("Ping", "Pong")]) == b"Response: Success\r\nPing: Pong\r\n\r\n"


def test_event_masks() -> None:
    assert strings_to_mask("") == -1
    assert strings_to_mask("off") == 0
    assert strings_to_mask("on") == ALL_CLASSES
    assert strings_to_mask("call,agent") == EventFlag.CALL | EventFlag.AGENT
    assert strings_to_mask("18") == 18


# --------------------------------------------------------------------------- ARI


def recorded_rest(path: str, status: int, name: str = "ari_stasis_flow") -> dict[str, Any]:
    for line in (TRANSCRIPTS / f"{name}.rest.jsonl").read_text().splitlines():
        exchange = json.loads(line)
        if exchange["path"] == path and exchange["status"] == status:
            return exchange  # type: ignore[no-any-return]
    raise LookupError(path)


def ari_url(sim: PbxSim, path: str, api_key: str | None = f"{USER}:{SECRET}") -> str:
    url = f"http://127.0.0.1:{sim.ari_port}{path}"
    return url if api_key is None else f"{url}{'&' if '?' in url else '?'}api_key={api_key}"


def basic_auth(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def key_tree(value: object) -> object:
    """The nested key order of a JSON value (dict equality alone ignores order)."""
    if isinstance(value, dict):
        return [(key, key_tree(item)) for key, item in value.items()]
    return type(value).__name__


async def test_ari_asterisk_info_matches_recording_and_swagger(sim: PbxSim, clock: ManualClock) -> None:
    recorded = recorded_rest("/ari/asterisk/info", 200)
    async with aiohttp.ClientSession() as http, http.get(ari_url(sim, "/ari/asterisk/info")) as response:
        body = await response.read()
        raw_headers = {key.decode(): value.decode() for key, value in response.raw_headers}
    info = json.loads(body)
    expected = json.loads(recorded["response_body"])
    assert key_tree(info) == key_tree(expected)
    assert info["status"]["startup_time"] == info["status"]["last_reload_time"]
    assert re.fullmatch(ISO_MS, info["status"]["startup_time"])
    info["status"] = expected["status"] = "<masked: start time of the run>"
    assert info == expected
    assert (response.status, response.reason) == (200, "OK")
    assert raw_headers["Content-type"] == "application/json"  # lower-case t, NOTES ARI 18
    assert raw_headers["Server"] == "Asterisk"
    assert raw_headers["Cache-Control"] == "no-cache, no-store"
    assert int(raw_headers["Content-Length"]) == len(body) == int(recorded["response_headers"]["Content-Length"])
    # Required properties of the Swagger models, with their JSON types.
    models = json.loads((ARI_DOCS / "asterisk.json").read_text())["models"]
    types = {"string": str, "Date": str, "int": int, "double": float}
    for section, model in (("build", "BuildInfo"), ("system", "SystemInfo"), ("config", "ConfigInfo")):
        for prop, spec in models[model]["properties"].items():
            if spec["required"] and spec["type"] in types:
                assert isinstance(info[section][prop], types[spec["type"]]), (section, prop)
    assert set(info) <= set(models["AsteriskInfo"]["properties"])


async def test_ari_auth_failures_and_unknown_path(sim: PbxSim) -> None:
    unauthorized = recorded_rest("/ari/asterisk/info", 401)
    not_found = recorded_rest("/ari/nosuchresource", 404)
    wrong_basic = basic_auth(USER, "wrong")
    attempts = [
        (ari_url(sim, "/ari/asterisk/info", api_key=None), None),
        (ari_url(sim, "/ari/asterisk/info", api_key="engine:wrong"), None),
        (ari_url(sim, "/ari/asterisk/info", api_key="engine"), None),
        (ari_url(sim, "/ari/asterisk/info", api_key=None), wrong_basic),
        # Basic auth wins over api_key when both are present (res_ari.c), even when Basic is wrong.
        (ari_url(sim, "/ari/asterisk/info"), wrong_basic),
        (ari_url(sim, "/ari/nosuchresource", api_key=None), None),  # auth is checked before routing
    ]
    async with aiohttp.ClientSession() as http:
        for url, auth in attempts:
            async with http.get(url, headers=auth) as response:
                assert (response.status, response.reason) == (401, unauthorized["reason"]), url
                assert await response.read() == unauthorized["response_body"].encode()
                expected_challenge = unauthorized["response_headers"]["WWW-Authenticate"]
                assert response.headers["WWW-Authenticate"] == expected_challenge
        async with http.get(ari_url(sim, "/ari/asterisk/info", api_key=None), headers=basic_auth(USER, SECRET)) as ok:
            assert ok.status == 200
        async with http.get(ari_url(sim, "/ari/nosuchresource")) as response:
            assert (response.status, response.reason) == (404, not_found["reason"])
            assert await response.read() == not_found["response_body"].encode()
        async with http.get(ari_url(sim, "/ari/asterisk/info?only=build,status")) as response:
            assert list(json.loads(await response.read())) == ["build", "status"]


async def test_ari_websocket_connects_without_greeting_and_closes_on_stop(clock: ManualClock) -> None:
    config = PbxSimConfig(ari_username=USER, ari_password=SECRET, clock=clock)
    sim = PbxSim(config)
    await sim.start()
    try:
        async with asyncio.timeout(GUARD_SECONDS), aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ari_url(sim, "/ari/events?app=callcenter", api_key=None))
            assert refused.value.status == 401
            async with http.get(ari_url(sim, "/ari/events")) as no_app:
                assert no_app.status == 400
            socket = await http.ws_connect(ari_url(sim, "/ari/events?app=callcenter"))
            assert sim.ari_sockets.listening("callcenter")
            stopping = asyncio.create_task(sim.stop())
            # TCP keeps order: had the server greeted the client, that frame would come before the close.
            first = await socket.receive()
            assert (first.type, first.data) == (aiohttp.WSMsgType.CLOSE, 1000)
            await stopping
            assert socket.closed
    finally:
        await sim.stop()


async def test_ari_second_websocket_replaces_the_first(sim: PbxSim, clock: ManualClock) -> None:
    recorded = next(
        json.loads(line)
        for line in (TRANSCRIPTS / "ari_ws_reconnect.ws.jsonl").read_text().splitlines()
        if '"ApplicationReplaced"' in line
    )
    async with asyncio.timeout(GUARD_SECONDS), aiohttp.ClientSession() as http:
        first = await http.ws_connect(ari_url(sim, "/ari/events?app=callcenter"))
        second = await http.ws_connect(ari_url(sim, "/ari/events?app=callcenter"))
        replaced = json.loads((await first.receive()).data)
        assert list(replaced) == list(recorded)  # key order: type, timestamp, application, asterisk_id
        assert re.fullmatch(ISO_MS, replaced["timestamp"])
        assert {**replaced, "timestamp": None} == {**recorded, "timestamp": None}
        assert not first.closed
        await first.close()
        await second.close()


# --------------------------------------------------------------------------- process and boundaries


def _children_of(pid: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            children.append(int(status.parent.name))
    return children


async def test_python_m_pbxsim_runs_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    ready_file = tmp_path / "ready.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pbxsim", "--ami-port", "0", "--ari-port", "0",
        "--username", "callhive", "--secret", "s3cret", "--seed", "3", "--ready-file", str(ready_file),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(GUARD_SECONDS):
            ready = json.loads(await process.stdout.readline())
            assert ready["pid"] == process.pid  # no wrapper process
            assert json.loads(ready_file.read_text()) == ready
            reader, writer = await asyncio.open_connection(ready["ami_host"], ready["ami_port"])
            assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
            writer.write(b"Action: Login\r\nUsername: callhive\r\nSecret: s3cret\r\nEvents: off\r\n\r\n")
            assert b"Authentication accepted" in await reader.readuntil(END)
            writer.close()
            url = f"http://{ready['ari_host']}:{ready['ari_port']}/ari/asterisk/info"
            async with aiohttp.ClientSession() as http, http.get(url, headers=basic_auth("callhive", "s3cret")) as info:
                assert info.status == 200
            assert _children_of(process.pid) == []
            process.send_signal(signal.SIGTERM)
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert stdout == b""  # exactly one line on stdout: the ready JSON
    assert b"pbxsim up" in stderr
    with pytest.raises(ProcessLookupError):
        os.kill(ready["pid"], 0)


def test_pbxsim_never_imports_engine() -> None:
    """pbxsim and the engine meet only on the wire."""
    offenders = []
    for path in (REPO / "pbxsim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n == "engine" or n.startswith("engine.")]
    assert offenders == []
