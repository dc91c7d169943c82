"""Conformance: transcripts/ami_mixmonitor replayed against pbxsim (rules: tests/conformance_ami.py).

Two parts, as recorded (NOTES AMI 11):
* ext 300: an async Originate of Local/300@from-caller (Application Wait 30) whose ;2 half runs the recorded
  dialplan - Answer(), then 0.5 s later `MixMonitor(ext300-${UNIQUEID}.wav)`, then Playback until the ;1
  half's Wait(30) ends: the pair hangs up (cause 0) and the monitor ends **without** MixMonitorStop.
  pbxsim does not execute dialplan; the hook plays the far end's part the way the world's hooks do
  elsewhere (a Local far end that answers at once, and the dialplan's MixMonitor at its recorded moment).
* AMI-driven: Originate Local/s@park-wait (Wait 20), MixMonitor twice (Options b, then none), MixMonitorMute
  on and off, StopMixMonitor three times (two Success + MixMonitorStop, then Error "Could not stop monitoring
  channel"), MixMonitor on a missing channel (Error "No such channel"), Hangup (no MixMonitorStop), Logoff.

Responses are compared exactly, events as `conformance_ami.compare` does (MIXMONITOR_FILENAME by file name,
with the recorded Uniqueid in `ext300-<Uniqueid>.wav` mapped like the Uniqueid headers). The WAV files are
then checked: 8 kHz 16-bit mono, as long as the time recorded on the clock (recordings.txt: ext300 29.50 s;
the AMI monitors 0 frames on the recorded box because a Local channel in Wait() carries no media - pbxsim
writes silence for the time recorded, which it documents in pbxsim/ami/mixmonitor.py).
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim
from tests.conformance_ami import AmiReplay, Hook, compare, load_items, recorded_steps
from tests.conftest import StartSim

ANSWER_TO_MIXMONITOR = 0.5  # recorded: Newstate Up t=0.304, MixMonitorStart t=0.805


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=13)
    world = running.model.world
    world.define_far_end("Local/300@from-caller", FarEnd.answers())  # 300 => Answer(), MixMonitor, Playback
    world.define_far_end("Local/s@park-wait", FarEnd.answers())  # s => Answer(), Wait(120)
    return running


async def test_ami_mixmonitor_matches_recording(sim: PbxSim, clock: ManualClock, tmp_path: Path) -> None:
    model, monitors = sim.model, sim.ami.calls.mixmonitors

    def dialplan_mixmonitor() -> None:
        (half,) = [c for c in model.channels.values() if c.name.startswith("Local/300@from-caller-") and
                   c.name.endswith(";2")]  # fmt: skip
        monitors.start(half, f"ext300-{half.id}.wav")

    def ext300() -> None:
        # Runs at the NOTE just before the Originate is sent: the dialplan's MixMonitor follows its Answer().
        model.later(ANSWER_TO_MIXMONITOR, dialplan_mixmonitor)

    hooks: dict[str, Hook] = {"=== ext 300: dialplan MixMonitor": ext300}
    expected = recorded_steps(load_items("ami_mixmonitor"))
    actual = await AmiReplay(sim, clock).run("ami_mixmonitor", hooks)
    ids = compare(expected, actual, set())

    # Sanity of the comparison itself: every MixMonitor event the recording shows was seen, Stop only twice.
    names = [dict(m)["Event"] for step in actual for m in step if m[0][0] == "Event"]
    assert (names.count("MixMonitorStart"), names.count("MixMonitorStop"), names.count("MixMonitorMute")) == (3, 2, 2)
    assert model.channels == {}

    files = {
        "ext300": f"ext300-{ids.to_sim['1795519141.27']}.wav",  # named after the simulated ;2 half
        "first": "ami-mixmon-test.wav",
        "second": "ami-mixmon-test2.wav",
    }
    frames = {}
    for label, name in files.items():
        with wave.open(str(tmp_path / "monitor" / name), "rb") as audio:
            assert (audio.getframerate(), audio.getsampwidth(), audio.getnchannels()) == (8000, 2, 1)
            frames[label] = audio.getnframes()
    # ext300: from MixMonitor (0.303 + 0.5) to the pair's hangup when Wait(30) ends (0.303 + 30) = 29.5 s, as
    # recordings.txt lists it. The AMI monitors: from t=31.483 to their StopMixMonitor at t=34.489 / 34.490.
    assert frames == {
        "ext300": round(29.5 * 8000),
        "first": round((34.489 - 31.483) * 8000),
        "second": round((34.490 - 31.483) * 8000),
    }
