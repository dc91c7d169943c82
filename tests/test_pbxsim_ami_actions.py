"""pbxsim AMI actions over the call model and the DeviceBook API, beyond what the replays cover.

Real loopback sockets, a ManualClock shared with the test, no wall-time sleeps: every exchange ends with a
barrier Ping whose answer proves everything sent before it has been read.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim
from tests.conformance_ami import Message
from tests.conftest import StartSim
from tests.pbxsim_helpers import END, GUARD_SECONDS, headers_of

USER = SECRET = "engine"


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.barriers = reader, writer, 0

    async def ask(self, action: str, **fields: str) -> list[Message]:
        """Send an action, then everything received up to a barrier Ping's answer."""
        self.barriers += 1
        lines = "".join(f"{key}: {value}\r\n" for key, value in fields.items())
        self.writer.write(f"Action: {action}\r\n{lines}\r\nAction: Ping\r\nActionID: b{self.barriers}\r\n\r\n".encode())
        received = []
        while ("ActionID", f"b{self.barriers}") not in (message := headers_of(await self.reader.readuntil(END))):
            received.append(message)
        return received


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=1)
    running.model.world.define_far_end("Local/s@park-wait", FarEnd.answers())
    return running


@pytest.fixture
async def ami(sim: PbxSim) -> AsyncIterator[Client]:
    async with asyncio.timeout(GUARD_SECONDS):
        reader, writer = await asyncio.open_connection("127.0.0.1", sim.ami_port)
        await reader.readline()
        client = Client(reader, writer)
        await client.ask("Login", Username=USER, Secret=SECRET)
        yield client
        writer.close()


def events(messages: list[Message]) -> list[str]:
    return [dict(m)["Event"] for m in messages if m[0][0] == "Event"]


async def test_mixmonitor_actions_write_wavs_and_stop_only_on_request(
    sim: PbxSim, clock: ManualClock, ami: Client, tmp_path: Path
) -> None:
    await ami.ask("Originate", Channel="Local/s@park-wait", Application="Wait", Data="20", Async="true")
    await sim.model.scheduler.settle()
    await ami.ask("Ping")  # drain the call's events
    ours = next(c for c in sim.model.channels.values() if c.name.endswith(";2"))
    started = await ami.ask("MixMonitor", ActionID="m1", Channel=ours.name, File="one.wav", Options="b")
    # NOTES AMI 11: Success with no Message and no MixMonitorID, then VarSet + MixMonitorStart.
    assert started[0] == [("Response", "Success"), ("ActionID", "m1")]
    assert events(started) == ["VarSet", "MixMonitorStart"]
    await ami.ask("MixMonitor", Channel=ours.name, File="two.wav")
    clock.advance(2.0)
    muted = await ami.ask("MixMonitorMute", Channel=ours.name, Direction="both", State="1")
    assert dict(muted[1])["Event"] == "MixMonitorMute" and muted[1][-2:] == [("Direction", "both"), ("State", "1")]
    assert events(await ami.ask("StopMixMonitor", Channel=ours.name)) == ["MixMonitorStop"]
    clock.advance(1.5)
    await sim.model.scheduler.settle()
    gone = await ami.ask("Hangup", Channel=ours.name)
    assert gone[0] == [("Response", "Success"), ("Message", "Channel Hungup")]
    assert "MixMonitorStop" not in events(gone)  # hangup ends the second monitor silently
    assert events(gone) == ["SoftHangupRequest", "HangupRequest", "Hangup", "Hangup"]
    again = await ami.ask("StopMixMonitor", ActionID="s", Channel="Local/nonexistent-0000;2")
    assert again[0] == [("Response", "Error"), ("ActionID", "s"), ("Message", "No such channel")]
    durations = {}
    for name in ("one", "two"):
        with wave.open(str(tmp_path / "monitor" / f"{name}.wav"), "rb") as audio:
            assert (audio.getframerate(), audio.getsampwidth(), audio.getnchannels()) == (8000, 2, 1)
            durations[name] = audio.getnframes() / 8000
    assert durations == {"one": 2.0, "two": 3.5}


async def test_filter_excludes_events_per_session(sim: PbxSim, ami: Client) -> None:
    added = await ami.ask("Filter", ActionID="f", Operation="Add", MatchCriteria="action(exclude),name(VarSet)")
    assert added == [[("Response", "Success"), ("ActionID", "f"), ("Message", "Success")]]
    bad = await ami.ask("Filter", Operation="Add", MatchCriteria="colour(red)", Filter="x")
    assert bad == [[("Response", "Error"), ("Message", "Filter format invalid")]]
    answered = await ami.ask("Originate", Channel="Local/s@park-wait", Application="Wait", Data="5",
                             Variable="A=1", Async="true")  # fmt: skip
    await sim.model.scheduler.settle()
    answered += await ami.ask("Ping")
    assert "VarSet" not in events(answered) and "Newchannel" in events(answered)
    regex = await ami.ask("Filter", Operation="Add", Filter="!Event: Newstate")  # classic exclude regex
    assert regex[0][1] == ("Message", "Success")


async def test_device_book_registration_device_state_and_originate(
    sim: PbxSim, clock: ManualClock, ami: Client
) -> None:
    devices, world = sim.model.devices, sim.model.world
    world.define_endpoint("2001", contact=False, far_end=FarEnd.answers(after=2.0))
    refused = await ami.ask("Originate", ActionID="o1", Channel="PJSIP/2001", Application="Wait", Data="1",
                            Async="true")  # fmt: skip
    assert [dict(m).get("Reason") for m in refused if ("Event", "OriginateResponse") in m] == ["0"]
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{sim.ari_port}/ari/channels?endpoint=PJSIP/2001&app=x&api_key={USER}:{SECRET}"
        async with http.post(url) as response:
            assert (response.status, await response.json()) == (500, {"error": "Allocation failed"})
        devices.register("2001", qualify=False)  # NonQualified stays, yet usable
        assert [c.status for c in devices.contacts("PJSIP/2001")] == ["NonQualified"]
        assert devices.device_state("2001") == "NOT_INUSE"
        devices.set_reachable("2001", True)
        seen = await ami.ask("Originate", Channel="PJSIP/2001", Application="Wait", Data="30", Async="true")
        await sim.model.scheduler.settle()
        assert devices.device_state("2001") == "RINGING"
        clock.advance(2.0)
        await sim.model.scheduler.settle()
        seen += await ami.ask("Ping")
        assert devices.device_state("2001") == "INUSE"
        states = [dict(m)["State"] for m in seen if ("Event", "DeviceStateChange") in m]
        assert states == ["NOT_INUSE", "RINGING", "INUSE"]
        devices.set_reachable("2001", False)
        assert devices.device_state("2001") == "UNAVAILABLE"
        devices.unregister("2001")
        assert devices.contacts("2001") == []
        async with http.post(url) as response:
            assert response.status == 500
