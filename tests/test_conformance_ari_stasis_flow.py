"""Conformance: transcripts/ari_stasis_flow replayed against pbxsim (comparison rules: tests/conformance_ari.py).

The recorded run: error bodies, an inbound Local/200@from-caller call into Stasis(callcenter), ring,
answer, play (incl. a missing sound), DTMF 1 2 # from the far end, channel variables, a mixing bridge,
the agent leg originated as Local/1001@agents with channelId agent-leg-1 (answers after ~2 s), addChannel
(+ unknown channel 400), bridge record start/stop (+ 409), snoop spy=both whisper=out + snoop record
(maxDurationSeconds 2), dtmf/hold/mute, removeChannel, hangups, bridge destroy, stored recordings.
"""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd, Party
from pbxsim.model.objects import Channel
from pbxsim.server import PbxSim, PbxSimConfig
from tests.conformance_ari import SECRET, USER, Replay, load_log
from tests.pbxsim_helpers import RECORDINGS

pytestmark = pytest.mark.skipif(not RECORDINGS.is_dir(), reason=f"recordings not found at {RECORDINGS}")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(clock: ManualClock, tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = PbxSimConfig(ari_username=USER, ari_password=SECRET, clock=clock, recordings_dir=tmp_path, seed=5)
    async with PbxSim(config) as running:
        yield running


async def test_ari_stasis_flow_matches_recording(sim: PbxSim, clock: ManualClock, tmp_path: Path) -> None:
    world = sim.model.world
    world.define_far_end("Local/1001@agents", FarEnd.answers(after=2.0))
    callers: list[Channel] = []

    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)

        def inbound() -> None:
            # AMI Originate Local/200@from-caller: ext 200 runs Stasis(callcenter); the far end [dtmf-sender]
            # sends 1 2 # about 3.2 s later (recorded t=4.024/4.375/4.725).
            caller = world.place_inbound("callcenter", [], exten="200", context="from-caller",
                                         caller=Party("Dave Caller", "5551004"))  # fmt: skip
            assert caller.peer is not None
            replay.ids.bind("1795519233.45", caller.id)
            replay.ids.bind("1795519233.44", caller.peer.id)
            sim.model.later(3.2, lambda: world.press(caller, "12#"))
            callers.append(caller)

        await replay.connect()
        await replay.run(load_log("ari_stasis_flow"), {"=== inbound call": inbound})
        await replay.close()

    # GET /channels at t=11.220 still listed snoop-1, 3 ms after its DELETE, with an empty dialplan app:
    # Asterisk was still tearing it down after StasisEnd. pbxsim destroys it at once.
    replay.compare_rest(shape_only_paths=("/ari/recordings/stored",), lingering=frozenset({"snoop-1"}))
    replay.compare_events()
    # Sanity of the comparison itself: it saw the whole flow.
    types = [event["type"] for _, event in replay.events]
    assert types.count("ChannelDtmfReceived") == 4
    assert {"RecordingFinished", "BridgeDestroyed", "PlaybackFinished"} <= set(types)
    # Real WAV files whose length is the time recorded on the clock: bridge 6.739 -> 8.747 s (rounded to
    # the 8 kHz frame), snoop exactly maxDurationSeconds.
    with wave.open(str(tmp_path / "cc-rec-1795519239.wav")) as bridge_file:
        assert (bridge_file.getframerate(), bridge_file.getsampwidth(), bridge_file.getnchannels()) == (8000, 2, 1)
        assert bridge_file.getnframes() == round((8.747 - 6.739) * 8000)
    with wave.open(str(tmp_path / "cc-rec-1795519239-snoop.wav")) as snoop_file:
        assert snoop_file.getnframes() == 2 * 8000
    assert callers and callers[0].destroyed
