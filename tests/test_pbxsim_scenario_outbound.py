"""pbxsim scenarios, outbound side: destination patterns mapped onto the world's far-end outcomes (the
recorded causes per outcome), and answering-machine detection as outbound.conf's AMD() then Stasis() runs it
(AMDSTATUS/AMDCAUSE values and timings from transcripts/ari_amd)."""

from __future__ import annotations

import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import dialing
from pbxsim.model import events as ev
from pbxsim.server import PbxSim
from tests.conftest import StartSim
from tests.test_pbxsim_scenario_world import APP, record, run_for, start

SCENARIO = """\
outbound:
  trunk: carrier
  destinations:
    - {pattern: "_555XXXX", ring: 3, talk: 40, answered_by: {machine: 1}}
    - {pattern: "_556XXXX", ring: 3, answered_by: {human: 1}}
    - {pattern: "_557XXXX", ring: 1, answered_by: {hangup: 1}}
    - {pattern: "_558XXXX", ring: 1, answered_by: {silence: 0.5, notsure: 0.5}}
    - {pattern: "_6XXXXXX", outcomes: {busy: 1}}
    - {pattern: "_7XXXXXX", outcomes: {no_answer: 1}}
    - {pattern: "_8XXXXXX", outcomes: {congestion: 1}}
    - {pattern: "_9XXXXXX", outcomes: {unreachable: 1}}
"""


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    return await start_sim(seed=5)


@pytest.mark.parametrize(
    ("number", "cause", "tech_cause", "after"),
    [
        ("6000001", 17, 486, 0.0),  # busy
        ("7000001", 19, 480, 45.0),  # rings until the originate's timeout
        ("8000001", 34, 503, 0.0),  # congestion
        ("9000001", 18, 408, 32.0),  # no SIP response: timer B
    ],
)
async def test_unanswered_outcomes_end_with_the_recorded_causes(
    sim: PbxSim, clock: ManualClock, number: str, cause: int, tech_cause: int, after: float
) -> None:
    seen = record(sim)
    runner = start(sim, SCENARIO)
    sim.model.stasis.activate(APP)
    await run_for(sim, clock, 1)
    t0 = clock.now()
    leg = dialing.originate(sim.model, f"PJSIP/{number}@carrier", APP, ["dialer"], timeout=45)
    await run_for(sim, clock, 50)
    destroyed = [(now - t0, e.cause, e.tech_cause) for now, e in seen if isinstance(e, ev.ChannelDestroyed)]
    assert destroyed == [(after, cause, tech_cause)]
    assert not any(isinstance(e, ev.StasisStarted) for _, e in seen) and leg.destroyed
    assert sum(runner.stats.dials.values()) == 1


async def test_amd_sets_the_variables_then_hands_the_call_to_stasis(sim: PbxSim, clock: ManualClock) -> None:
    seen = record(sim)
    start(sim, SCENARIO)
    sim.model.stasis.activate(APP)
    await run_for(sim, clock, 1)
    t0 = clock.now()
    # outbound.conf: no app, context outbound-amd / extension detect - the call is in the dialplan when it answers.
    leg = dialing.originate(sim.model, "PJSIP/5551234@carrier", None, [], timeout=30)
    await run_for(sim, clock, 60, step=0.1)
    mine = [(round(now - t0, 3), e) for now, e in seen if getattr(e, "channel", getattr(e, "peer", None)) is leg]
    variables = [(at, e.variable, e.value) for at, e in mine if isinstance(e, ev.ChannelVarSet)]
    assert variables[:3] == [
        (4.7, "AMDSTATUS", "MACHINE"),
        (4.7, "AMDCAUSE", "MAXWORDS-3-2"),
        (4.7, "STASISSTATUS", ""),
    ]
    started = [(at, e.args) for at, e in mine if isinstance(e, ev.StasisStarted)]
    assert started == [(4.7, ("amd", "MACHINE", "MAXWORDS-3-2"))]  # ring 3 s + 1.7 s of detection
    hangups = [(at, e.cause, e.soft) for at, e in mine if isinstance(e, ev.ChannelHangupRequested)]
    # The far end leaves 40 s after answering; the leg ran dialplan, whose end adds the soft 16 (APPUNLOAD) as
    # on PJSIP/loop-0000001d in ari_continue_redirect.side_ami: HangupRequest 16, SoftHangupRequest 16.
    assert hangups == [(43.0, 16, False), (43.0, 16, True)]


async def test_amd_hangup_ends_the_call_in_the_dialplan_over_local(sim: PbxSim, clock: ManualClock) -> None:
    seen = record(sim)
    start(sim, SCENARIO)
    sim.model.stasis.activate(APP)
    await run_for(sim, clock, 1)
    leg = dialing.originate(sim.model, "Local/5571234@outbound", None, [], timeout=30)
    await run_for(sim, clock, 10, step=0.1)
    kinds = [
        (type(e).__name__, getattr(e, "variable", ""), getattr(e, "value", ""))
        for _, e in seen
        if getattr(e, "channel", None) is leg and not isinstance(e, ev.ChannelStateChanged)
    ]
    # transcripts/ari_amd "hangup": the request, AMDSTATUS=HANGUP with an empty AMDCAUSE, no StasisStart.
    assert kinds[1:4] == [
        ("ChannelHangupRequested", "", ""), ("ChannelVarSet", "AMDSTATUS", "HANGUP"), ("ChannelVarSet", "AMDCAUSE", ""),
    ]  # fmt: skip
    assert kinds[-1][0] == "ChannelDestroyed" and not any(k[0] == "StasisStarted" for k in kinds)
    assert sim.model.channels == {}


async def test_without_the_engine_a_human_goes_to_the_fallback_queue_and_a_machine_is_hung_up_on(
    sim: PbxSim, clock: ManualClock
) -> None:
    runner = start(sim, SCENARIO)  # no app active: Stasis() fails
    await run_for(sim, clock, 1)
    human = dialing.originate(sim.model, "PJSIP/5561234@carrier", None, [], timeout=30)
    machine = dialing.originate(sim.model, "PJSIP/5551234@carrier", None, [], timeout=30)
    await run_for(sim, clock, 10)
    assert [(f.channel_id, f.dialplan_app, f.args) for f in sim.model.world.fallbacks] == [
        (human.id, "Queue", ("amd", "HUMAN", "HUMAN-800-800"))
    ]
    assert human.moh_class == "default" and not human.destroyed
    assert machine.destroyed and machine.variables["STASISSTATUS"] == "FAILED"
    assert runner.stats.amd == {"HUMAN": 1, "MACHINE": 1}


async def test_numbers_outside_the_rules_and_other_endpoints_keep_their_own_far_ends(sim: PbxSim) -> None:
    runner = start(sim, SCENARIO)
    world = sim.model.world
    assert world.resolve("Local/5551234@somewhere").far_end is None  # not an outbound context: no such extension
    assert world.resolve("PJSIP/1234@carrier").far_end is not None  # matches no pattern: rings (no opinion)
    assert runner.destinations.number_of("PJSIP", "carrier/sip:5551234@10.0.0.1:5060") == "5551234"
    assert runner.destinations.number_of("PJSIP", "5551234@other") is None
