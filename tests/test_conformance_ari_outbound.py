"""Conformance: transcripts/ari_outbound_outcomes replayed against pbxsim (rules: tests/conformance_ari.py).

ARI originates (`POST /channels`, `POST /channels/create` + `/dial`) to SIP far ends over the recorded
"loop" endpoint and to Local/...@customers, with every outcome the lab recorded: answer after 3 s, busy
(17/486), no answer until the originate timeout (19/480), congestion (34/503), unreachable host (18/408
after SIP timer B, 32 s), no such endpoint and an endpoint without contact (500 Allocation failed), a
nonexistent Local extension. The far ends are defined in the simulated world the way etc/extensions.conf
[customers] behaves on the recorded box.
"""

from __future__ import annotations

import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim
from tests.conformance_ari import replay_recording
from tests.conftest import StartSim
from tests.pbxsim_helpers import customer


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=9)
    world = running.model.world
    world.define_endpoint("loop", contact=True, context="from-caller")
    world.define_endpoint("1004", contact=False)
    for number in ("5550001", "6660001", "7770001", "8880001", "5550005", "6660005"):
        world.define_far_end(f"PJSIP/cust-{number}@loop", customer(number))
    world.define_far_end("PJSIP/loop/sip:5550001@127.0.0.1:5999", FarEnd.unreachable())
    for number in ("5550002", "6660002", "7770002", "8880002", "7770005"):
        world.define_far_end(f"Local/{number}@customers", customer(number))
    return running


async def test_ari_outbound_outcomes_match_recording(sim: PbxSim, clock: ManualClock) -> None:
    replay = await replay_recording(sim, clock, "ari_outbound_outcomes", {})
    replay.compare_rest()
    replay.compare_events()
    # The comparison covered every outcome: one ChannelDestroyed per cause the recording shows.
    causes = sorted({e["cause"] for _, e in replay.events if e["type"] == "ChannelDestroyed"})
    assert causes == [0, 16, 17, 18, 19, 34]
    assert sim.model.channels == {}
