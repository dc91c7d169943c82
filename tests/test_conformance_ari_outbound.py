"""Conformance: transcripts/ari_outbound_outcomes replayed against pbxsim (rules: tests/conformance_ari.py).

ARI originates (`POST /channels`, `POST /channels/create` + `/dial`) to SIP far ends over the recorded
"loop" endpoint and to Local/...@customers, with every outcome the lab recorded: answer after 3 s, busy
(17/486), no answer until the originate timeout (19/480), congestion (34/503), unreachable host (18/408
after SIP timer B, 32 s), no such endpoint and an endpoint without contact (500 Allocation failed), a
nonexistent Local extension. The far ends are defined in the simulated world the way etc/extensions.conf
[customers] behaves on the recorded box.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim, PbxSimConfig
from tests.conformance_ari import SECRET, USER, Replay, load_log

RING = 3.0  # [customers] 555XXXX: Ringing, Wait(3), Answer


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(clock: ManualClock, tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = PbxSimConfig(ari_username=USER, ari_password=SECRET, clock=clock, recordings_dir=tmp_path, seed=9)
    async with PbxSim(config) as running:
        world = running.model.world
        world.define_endpoint("loop", contact=True, context="from-caller")
        world.define_endpoint("1004", contact=False)
        for number, far_end in {
            "5550001": FarEnd.answers(after=RING),
            "6660001": FarEnd.busy(),
            "7770001": FarEnd.no_answer(),
            "8880001": FarEnd.congestion(),
            "5550005": FarEnd.answers(after=RING),
            "6660005": FarEnd.busy(),
        }.items():
            world.define_far_end(f"PJSIP/cust-{number}@loop", far_end)
        world.define_far_end("PJSIP/loop/sip:5550001@127.0.0.1:5999", FarEnd.unreachable())
        for number, far_end in {
            "5550002": FarEnd.answers(after=RING),
            "6660002": FarEnd.busy(),
            "7770002": FarEnd.no_answer(),
            "8880002": FarEnd.congestion(),
            "7770005": FarEnd.no_answer(),
        }.items():
            world.define_far_end(f"Local/{number}@customers", far_end)
        yield running


async def test_ari_outbound_outcomes_match_recording(sim: PbxSim, clock: ManualClock) -> None:
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)
        await replay.connect()
        await replay.run(load_log("ari_outbound_outcomes"), {})
        await replay.close()
    replay.compare_rest()
    replay.compare_events()
    # The comparison covered every outcome: one ChannelDestroyed per cause the recording shows.
    causes = sorted({e["cause"] for _, e in replay.events if e["type"] == "ChannelDestroyed"})
    assert causes == [0, 16, 17, 18, 19, 34]
    assert sim.model.channels == {}
