"""pbxsim call model and ARI behaviour beyond the replayed recordings: what channels hear, the app gap,
endpoints, recording files. Real loopback sockets where the wire matters; the ManualClock drives time."""

from __future__ import annotations

import asyncio
import io
import json
import wave
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd, Heard, ModelEvent
from pbxsim.model.events import MusicOnHold
from pbxsim.server import PbxSim
from tests.conformance_ari import SECRET, USER, Replay
from tests.conftest import StartSim
from tests.pbxsim_helpers import GUARD_SECONDS


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    return await start_sim(seed=3)


async def call(http: aiohttp.ClientSession, sim: PbxSim, method: str, path: str, **query: str) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{sim.ari_port}/ari{path}"
    async with http.request(method, url, params={**query, "api_key": f"{USER}:{SECRET}"}) as response:
        body = await response.read()
        return response.status, (json.loads(body) if body and response.content_type == "application/json" else body)


async def test_play_suspends_moh_for_good_and_moh_raises_no_ari_event(sim: PbxSim, clock: ManualClock) -> None:
    bus_events: list[ModelEvent] = []
    sim.model.bus.subscribe(lambda event, _now: bus_events.append(event))
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)
        await replay.connect()
        caller = sim.model.world.place_inbound("callcenter", ["inbound", "5000"])
        start = clock.now()
        assert (await call(http, sim, "POST", f"/channels/{caller.id}/answer"))[0] == 204
        assert (await call(http, sim, "POST", f"/channels/{caller.id}/moh", mohClass="nosuchclass"))[0] == 204
        await replay.at(1.0)
        status, playback = await call(http, sim, "POST", f"/channels/{caller.id}/play", media="sound:beep")
        assert (status, playback["state"]) == (201, "queued")
        await replay.at(5.0)
        await replay.close()
    spans = [(span.what, span.detail, round(span.start - start, 2)) for span in sim.model.world.hearing(caller.id)]
    assert spans == [
        (Heard.SILENCE, "", 0.0),
        (Heard.MOH, "default", 0.0),  # unknown class -> default (NOTES 15)
        (Heard.PLAYBACK, "sound:beep", 1.0),
        (Heard.SILENCE, "", 1.44),  # MOH not resumed after the playback
    ]
    assert [e.started for e in bus_events if isinstance(e, MusicOnHold)] == [True, False]
    types = [event["type"] for _, event in replay.events]
    assert types == ["StasisStart", "ChannelStateChange", "PlaybackStarted", "PlaybackFinished"]


async def test_events_while_the_app_is_inactive_are_dropped_not_replayed(sim: PbxSim, clock: ManualClock) -> None:
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)
        await replay.connect()
        caller = sim.model.world.place_inbound("callcenter", ["inbound", "5000"])
        await replay.sync()
        await replay.close()
        sim.model.world.press(caller, "7")  # nobody listens: dropped
        await replay.at(1.0)
        assert sim.model.stasis.get("callcenter") is not None  # still holds the caller: inactive, not gone
        await replay.connect()
        sim.model.world.press(caller, "8")
        await replay.at(2.0)
        await replay.close()
    dtmf = [event["digit"] for _, event in replay.events if event["type"] == "ChannelDtmfReceived"]
    assert dtmf == ["8"]
    assert replay.events[0][1]["type"] == "StasisStart"


async def test_endpoints_and_originate_to_an_answering_softphone(sim: PbxSim, clock: ManualClock) -> None:
    world = sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=4.0, talk=10.0))
    world.define_endpoint("1004", contact=False)
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)
        await replay.connect()
        status, endpoints = await call(http, sim, "GET", "/endpoints")
        assert status == 200
        assert [(e["resource"], e["state"]) for e in endpoints] == [("1001", "online"), ("1004", "offline")]
        assert await call(http, sim, "POST", "/channels", endpoint="PJSIP/1004", app="callcenter") == (
            500, {"error": "Allocation failed"},
        )  # fmt: skip
        status, channel = await call(http, sim, "POST", "/channels", endpoint="PJSIP/1001", app="callcenter",
                                     appArgs="agent,1001", channelId="leg-1")  # fmt: skip
        assert (status, channel["state"], channel["name"]) == (200, "Down", "PJSIP/1001-00000000")
        assert (await call(http, sim, "GET", "/endpoints/PJSIP/1001"))[1]["channel_ids"] == ["leg-1"]
        await replay.at(3.9)
        assert "StasisStart" not in [e["type"] for _, e in replay.events]
        await replay.at(4.0)
        assert replay.events[-1][1]["type"] == "StasisStart" and replay.events[-1][1]["args"] == ["agent", "1001"]
        await replay.at(14.0)  # the softphone hangs up after talking 10 s
        await replay.close()
    types = [event["type"] for _, event in replay.events]
    assert types[-3:] == ["StasisEnd", "ChannelVarset", "ChannelDestroyed"]
    assert replay.events[-1][1]["cause"] == 16
    assert "leg-1" not in sim.model.channels


async def test_bridge_recording_file_is_served_with_the_recorded_duration(sim: PbxSim, clock: ManualClock) -> None:
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)
        await replay.connect()
        caller = sim.model.world.place_inbound("callcenter", ["inbound", "5000"])
        assert (await call(http, sim, "POST", "/bridges", type="mixing", bridgeId="b1"))[0] == 200
        assert (await call(http, sim, "POST", "/bridges/b1/addChannel", channel=caller.id))[0] == 204
        status, live = await call(http, sim, "POST", "/bridges/b1/record", name="r1", format="wav")
        assert (status, live["state"], live["target_uri"]) == (201, "queued", "bridge:b1")
        await replay.at(12.5)
        assert (await call(http, sim, "POST", "/recordings/live/r1/stop"))[0] == 204
        assert await call(http, sim, "GET", "/recordings/live/r1") == (404, {"message": "Recording not found"})
        status, data = await call(http, sim, "GET", "/recordings/stored/r1/file")
        await replay.close()
    assert status == 200
    with wave.open(io.BytesIO(data)) as recorded:
        assert recorded.getnframes() == 12.5 * 8000
    finished = [e for _, e in replay.events if e["type"] == "RecordingFinished"]
    assert finished[0]["recording"]["duration"] == 12


async def test_missing_recordings_dir_answers_like_asterisk(start_sim: StartSim, tmp_path: Path) -> None:
    sim = await start_sim(recordings_dir=tmp_path / "none")
    async with aiohttp.ClientSession() as http, asyncio.timeout(GUARD_SECONDS):
        assert await call(http, sim, "GET", "/recordings/stored") == (500, {"error": "Allocation failed"})
        await http.ws_connect(f"http://127.0.0.1:{sim.ari_port}/ari/events?app=callcenter&api_key=engine:engine")
        await sim.ari_sockets.wait_until(lambda: sim.ari_sockets.listening("callcenter"))
        caller = sim.model.world.place_inbound("callcenter", ["inbound", "5000"])
        assert await call(http, sim, "POST", f"/channels/{caller.id}/record", name="x", format="wav") == (
            500, {"message": "Internal Server Error"},
        )  # fmt: skip
