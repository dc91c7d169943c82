"""Conformance: transcripts/ami_misc_and_errors replayed against pbxsim (rules: tests/conformance_ami.py).

Getvar / Hangup / Redirect on a missing channel, Getvar of an unset global, Originate without
Context/Priority, a synchronous Originate to a nonexistent extension (`Originate failed`, then the two Local
halves die with cause 0), the same asynchronously (OriginateResponse Failure Reason 0, `Uniqueid: <unknown>`)
and an async Originate nobody answers (Reason 3 after the 4 s Timeout). Left out of the replay, with their
answers: QueueStatus, `queue show support` and the unknown action `Queues` (app_queue is not simulated;
unknown actions are covered by tests/test_pbxsim_login.py).
"""

from __future__ import annotations

import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim
from tests.conformance_ami import AmiReplay, compare, load_items, recorded_steps
from tests.conftest import StartSim

SKIPPED = ("queuestatus-", "command-5", "queues-")


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    running = await start_sim(seed=3)
    # [agents] 1009 exists and never answers (etc/extensions.conf); 999@from-caller does not exist.
    running.model.world.define_far_end("Local/1009@agents", FarEnd.no_answer())
    return running


async def test_ami_misc_and_errors_match_recording(sim: PbxSim, clock: ManualClock) -> None:
    items = [i for i in load_items("ami_misc_and_errors") if not any(f"ActionID: {s}".encode() in i.payload
             for s in SKIPPED if i.kind == "SENT")]  # fmt: skip
    expected = [
        [m for m in step if not (len(m) > 1 and m[1][0] == "ActionID" and m[1][1].startswith(SKIPPED))]
        for step in recorded_steps(items)
    ]
    actual = await AmiReplay(sim, clock).run_items(items, {})
    compare(expected, actual, set())
    reasons = [dict(m)["Reason"] for step in actual for m in step if ("Event", "OriginateResponse") in m]
    assert reasons == ["0", "3"]
