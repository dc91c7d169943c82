"""Conformance: transcripts/ari_amd replayed against pbxsim (rules: tests/conformance_ari.py).

The recorded run (NOTES AMD 6-8): six ARI originates without an app - `POST /channels` endpoint
Local/<far end>@amd-test, context amd-test, extension detect (NoOp, AMD(), NoOp, Stasis(callcenter,amd,
${AMDSTATUS},${AMDCAUSE}), Hangup) - each followed by `POST /applications/callcenter/subscription
?eventSource=channel:<id>` (a channel running dialplan is invisible to the app until then). Far ends: a long
greeting (MACHINE / MAXWORDS-3-2), "hello" and "hello world" (HUMAN / HUMAN-800-800), silence frames
(MACHINE / INITIALSILENCE-2500-2500), no frames at all (NOTSURE / TOOLONG-4900) and one that hangs up at once
(HANGUP with an empty AMDCAUSE, and no StasisStart). For the others the app reads AMDSTATUS/AMDCAUSE over
REST and DELETEs the channel.

Compared as `Replay.compare_rest` / `Replay.compare_events` state: ChannelVarset AMDSTATUS / AMDCAUSE /
STASISSTATUS, StasisStart args, the hangup requests (the far end's plain 16, the DELETE's 32 soft, the end
of the dialplan's 16 soft) and ChannelDestroyed, per channel in order and each in its recorded step.
ChannelDialplan is not compared (dialplan narration; the recording itself shows it only when the
subscription won the race with the originate, NOTES AMD 8). The AMD verdicts and their timings are the far
ends' (what AMD() hears), defined here from the recording; pbxsim runs the extension itself.
"""

from __future__ import annotations

import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd, amd
from pbxsim.server import PbxSim
from tests.conformance_ari import APP, replay_recording
from tests.conftest import StartSim

# etc/extensions.conf [amd-test]: every far end starts with Answer(); what it then plays is what AMD() hears.
FAR_ENDS = {
    "machine": amd.LONG_GREETING,  # Playback(vm-intro), 5.7 s
    "human": amd.SHORT_GREETING,  # Playback(hello)
    "hello2": amd.TWO_WORDS,  # Playback(hello-world)
    "silent": amd.SILENCE,  # Playback(silence/10)
    "nomedia": None,  # Wait(10): no frames at all
    "hangup": amd.HANGS_UP,  # Hangup()
}


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=17)
    world = running.model.world
    world.define_amd_extension("amd-test", "detect", amd.AmdExtension(APP))
    for exten, verdict in FAR_ENDS.items():
        world.define_far_end(f"Local/{exten}@amd-test", FarEnd.answers(amd=verdict))
    return running


async def test_ari_amd_matches_recording(sim: PbxSim, clock: ManualClock) -> None:
    replay = await replay_recording(sim, clock, "ari_amd", {})

    replay.compare_rest()
    replay.compare_events()
    # Sanity of the comparison itself: every verdict was seen, with its args, and HANGUP never reached Stasis.
    events = [e for _, e in replay.events]
    verdicts = {
        e["channel"]["id"]: e["value"] for e in events if e["type"] == "ChannelVarset" and e["variable"] == "AMDSTATUS"
    }
    assert verdicts == {
        "amd-machine": "MACHINE", "amd-human": "HUMAN", "amd-hello2": "HUMAN", "amd-silent": "MACHINE",
        "amd-nomedia": "NOTSURE", "amd-hangup": "HANGUP",
    }  # fmt: skip
    started = {e["channel"]["id"]: e["args"] for e in events if e["type"] == "StasisStart"}
    assert started["amd-machine"] == ["amd", "MACHINE", "MAXWORDS-3-2"] and "amd-hangup" not in started
    causes = [e["value"] for e in events if e["type"] == "ChannelVarset" and e["variable"] == "AMDCAUSE"]
    assert causes[-1] == ""  # HANGUP leaves AMDCAUSE empty
    assert sim.model.channels == {}
