"""Conformance: transcripts/ari_stasis_flow replayed against pbxsim (comparison rules: tests/conformance_ari.py).

The recorded run: error bodies, an inbound Local/200@from-caller call into Stasis(callcenter), ring,
answer, play (incl. a missing sound), DTMF 1 2 # from the far end, channel variables, a mixing bridge,
the agent leg originated as Local/1001@agents with channelId agent-leg-1 (answers after ~2 s), addChannel
(+ unknown channel 400), bridge record start/stop (+ 409), snoop spy=both whisper=out + snoop record
(maxDurationSeconds 2), dtmf/hold/mute, removeChannel, hangups, bridge destroy, stored recordings.

The call is placed as the recorded box placed it, by replaying the trigger AMI session (`.trigger_ami`:
Login with Events off, Setvar, async Originate of Local/200@from-caller into context dtmf-sender, Setvar) on
the same clock; its responses are compared as tests/conformance_ami.py compares them (there are no events).
[from-caller] 200 runs Stasis(callcenter) on the ;2 half (`World.dialplan_stasis`); the far end
[dtmf-sender] (Wait(3), SendDTMF(12#,250) once answered) is played by a timer, as the world's hooks do.
"""

from __future__ import annotations

import wave
from pathlib import Path

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.model.objects import Channel
from pbxsim.server import PbxSim
from tests.conformance_ami import AmiReplay, compare, load_items, recorded_steps
from tests.conformance_ari import APP, Replay, load_log, load_side_ami
from tests.conftest import StartSim


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=5)
    running.model.world.dialplan_stasis[("from-caller", "200")] = (APP, ())  # NoOp, Stasis(callcenter), Hangup
    return running


async def test_ari_stasis_flow_matches_recording(sim: PbxSim, clock: ManualClock, tmp_path: Path) -> None:
    world = sim.model.world
    world.define_far_end("Local/1001@agents", FarEnd.answers(after=2.0))
    callers: list[Channel] = []

    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http, side=AmiReplay(sim, clock))

        def inbound() -> None:
            # The Originate placed the pair, its ;2 half in Stasis; the far end [dtmf-sender] sends 1 2 # about
            # 3.2 s later (recorded t=4.024/4.375/4.725).
            (caller,) = [c for c in sim.model.channels.values() if c.name.startswith("Local/200@from-caller-")
                         and c.name.endswith(";2")]  # fmt: skip
            assert caller.peer is not None and caller.stasis_app == APP
            assert (caller.caller.name, caller.caller.number) == ("Dave Caller", "5551004")
            replay.ids.bind("1795519233.45", caller.id)
            replay.ids.bind("1795519233.44", caller.peer.id)
            sim.model.later(3.2, lambda: world.press(caller, "12#"))
            callers.append(caller)

        replay.after_ami["originate-3"] = inbound
        assert replay.side is not None
        await replay.side.open()
        await replay.connect()
        await replay.run(load_log("ari_stasis_flow") + load_side_ami("ari_stasis_flow.trigger_ami"), {})
        await replay.side.close()
        await replay.close()
    assert replay.after_ami == {}, "the Originate was replayed"

    # GET /channels at t=11.220 still listed snoop-1, 3 ms after its DELETE, with an empty dialplan app:
    # Asterisk was still tearing it down after StasisEnd. pbxsim destroys it at once.
    replay.compare_rest(shape_only_paths=("/ari/recordings/stored",), lingering=frozenset({"snoop-1"}))
    replay.compare_events()
    trigger = recorded_steps(load_items("ari_stasis_flow.trigger_ami"))
    compare(trigger, replay.side.steps, set())
    assert [m[0] for step in replay.side.steps for m in step] == [("Response", "Success")] * 4  # Events: off
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
