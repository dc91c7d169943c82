"""Conformance: transcripts/ari_ws_reconnect (+ .second_ws) replayed against pbxsim (rules: conformance_ari.py).

The recorded WebSocket lifecycle (NOTES "Later recordings" 12-14): a caller and an agent leg bridged in
Stasis; the client closes its socket - the app is only deactivated (REST and GET /applications keep
working), a new call reaching Stasis(callcenter) meanwhile fails; the client reconnects - nothing is
replayed and bridge play works; after a clean hangup the socket closes with no channels - the app is
destroyed (GET /applications [] and 404), Stasis() then fails and the inbound fallback runs; finally a
second socket for the app replaces the first (ApplicationReplaced) and gets the next call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd, Heard, Party
from pbxsim.server import PbxSim, PbxSimConfig
from tests.conformance_ari import SECRET, USER, Hook, Replay, load_log
from tests.pbxsim_helpers import RECORDINGS

pytestmark = pytest.mark.skipif(not RECORDINGS.is_dir(), reason=f"recordings not found at {RECORDINGS}")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(clock: ManualClock, tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = PbxSimConfig(ari_username=USER, ari_password=SECRET, clock=clock, recordings_dir=tmp_path, seed=11)
    async with PbxSim(config) as running:
        yield running


async def test_ari_ws_reconnect_matches_recording(sim: PbxSim, clock: ManualClock) -> None:
    world = sim.model.world
    world.define_far_end("Local/1001@agents", FarEnd.answers(after=2.0))
    frames_in_gap: list[int] = []

    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)

        def inbound() -> None:
            caller = world.place_inbound("callcenter", ["inbound", "5000"], exten="5000", context="inbound",
                                         caller=Party("Eve Caller", "5551005"))  # fmt: skip
            assert caller.peer is not None
            replay.ids.bind("1795641593.70", caller.id)
            replay.ids.bind("1795641593.69", caller.peer.id)

        def call_while_inactive() -> None:
            frames_in_gap.append(sum(sim.ari_sockets.history))
            assert sim.model.stasis.get("callcenter") is not None  # deactivated, not destroyed
            caller = world.place_inbound("callcenter", [], exten="200", context="from-caller", fallback=None)
            assert caller.destroyed and caller.variables["STASISSTATUS"] == "FAILED"
            frames_in_gap.append(sum(sim.ari_sockets.history))

        def call_without_app(exten: str, fallback: tuple[str, str] | None) -> None:
            assert sim.model.stasis.get("callcenter") is None
            args = ["inbound", exten] if fallback else []
            world.place_inbound("callcenter", args, exten=exten, context="inbound", fallback=fallback)

        def call_with_two_sockets() -> None:
            caller = world.place_inbound("callcenter", [], exten="200", context="from-caller")
            replay.ids.bind("1795641610.84", caller.id)

        hooks: dict[str, Hook] = {
            "=== inbound call": inbound,
            "=== client closes the websocket": replay.close,
            "=== while disconnected": call_while_inactive,
            "=== reconnect the websocket": replay.connect,
            "=== websocket closed with no channels": replay.close,
            "=== no websocket: Local/200": lambda: call_without_app("200", None),
            "=== no websocket: Local/5001": lambda: call_without_app("5001", ("Queue", "support")),
            "=== two websockets for the same app": replay.connect,
            "=== second websocket for app": replay.connect,
            "=== call into Stasis while both are connected": call_with_two_sockets,
        }
        await replay.connect()
        lines = load_log("ari_ws_reconnect") + load_log("ari_ws_reconnect.second_ws", source="second")
        await replay.run(lines, hooks)
        assert hooks == {}, "every scenario hook ran"
        await replay.close(-1)
        await replay.close(-2)

    replay.compare_rest()
    replay.compare_events()
    # Events in the gap were dropped, not queued for the reconnect.
    assert frames_in_gap[0] == frames_in_gap[1]
    # The failed Stasis() calls took the dialplan fallback; the queued caller hears music, never silence.
    assert [(f.app, f.dialplan_app) for f in world.fallbacks] == [
        ("callcenter", "Hangup"), ("callcenter", "Hangup"), ("callcenter", "Queue"),
    ]  # fmt: skip
    queued = world.fallbacks[-1].channel_id
    assert world.hearing(queued)[-1].what is Heard.MOH
    # The replaced first socket got ApplicationReplaced and nothing after it.
    assert [e["type"] for _, e in replay.events][-4:] == [
        "ApplicationReplaced", "StasisStart", "ChannelHangupRequest", "StasisEnd",
    ]  # fmt: skip
