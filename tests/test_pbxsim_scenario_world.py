"""pbxsim scenarios at work on a ManualClock: registration at register_at through the DeviceBook, softphones
answering after their sampled delay and ending calls after their talk time, Poisson arrivals, patience,
outbound outcomes and AMD, and the same run for the same seed.

A small in-test "engine" (`MiniAcd`) plays the ARI application on the model directly (answer, originate to a
free registered softphone, bridge), so that whole calls happen without sockets; one test drives a real ARI
client over loopback to observe patience on the wire. No wall-time sleeps anywhere."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pbxsim.clock import ManualClock
from pbxsim.model import ModelEvent, bridging, dialing
from pbxsim.model import events as ev
from pbxsim.model.errors import ModelError
from pbxsim.model.objects import Channel
from pbxsim.scenario import ScenarioRunner, parse_scenario
from pbxsim.server import PbxSim, PbxSimConfig
from tests.conformance_ari import Replay
from tests.conftest import StartSim

APP = "callhive"


@pytest.fixture
async def sim(start_sim: StartSim) -> PbxSim:
    return await start_sim(seed=11)


async def run_for(sim: PbxSim, clock: ManualClock, seconds: float, step: float = 1.0) -> None:
    for _ in range(math.ceil(seconds / step)):
        # Let the scheduler's driver park on its next deadline before time moves: its sleeper task computes
        # that deadline from the clock only once it first runs (a ManualClock advanced before then would push
        # the driver's wake-up past a due timer, and settle() would wait for ever).
        for _ in range(3):
            await asyncio.sleep(0)
        clock.advance(step)
        await sim.model.scheduler.settle()


def start(sim: PbxSim, text: str, app: str = APP) -> ScenarioRunner:
    runner = ScenarioRunner(sim.model, parse_scenario(text, "test.yaml"), app=app)
    runner.start()
    return runner


def record(sim: PbxSim) -> list[tuple[float, ModelEvent]]:
    seen: list[tuple[float, ModelEvent]] = []
    sim.model.bus.subscribe(lambda event, now: seen.append((now, event)))
    return seen


class MiniAcd:
    """The engine's part, reduced: answer each inbound caller, ring the longest-free registered softphone into
    Stasis, bridge the two; when one side goes, hang up the other. Acts through timers (never inside a bus
    callback), as an ARI client acts after an event reached it."""

    def __init__(self, sim: PbxSim, agents: list[str]) -> None:
        self.model = sim.model
        self.free = list(agents)
        self.waiting: list[Channel] = []
        self.pairs: dict[str, str] = {}  # channel id -> other channel id
        self.ringing: dict[str, tuple[str, Channel]] = {}  # agent leg id -> (agent, caller)
        self.busy: dict[str, str] = {}  # agent leg id -> agent
        self.model.stasis.activate(APP)
        self.model.bus.subscribe(self._on_event)

    def _on_event(self, event: ModelEvent, now: float) -> None:
        if isinstance(event, ev.StasisStarted) and event.args[0] == "inbound":
            self.model.later(0, lambda: self._arrived(event.channel))
        elif isinstance(event, ev.StasisStarted) and event.args[0] == "agent":
            self.model.later(0, lambda: self._agent_up(event.channel))
        elif isinstance(event, ev.ChannelDestroyed):
            self.model.later(0, lambda: self._gone(event.channel))

    def _arrived(self, caller: Channel) -> None:
        if not caller.hangup_requested:
            self.model.answer(caller)
            self.model.media.moh_start(caller, "default")
            self.waiting.append(caller)
            self._dispatch()

    def _dispatch(self) -> None:
        registered = [a for a in self.free if self.model.devices.contacts(a)]
        while self.waiting and registered:
            caller, agent = self.waiting.pop(0), registered.pop(0)
            if caller.hangup_requested:
                registered.insert(0, agent)
                continue
            self.free.remove(agent)
            leg = dialing.originate(self.model, f"PJSIP/{agent}", APP, ["agent"], timeout=15)
            self.ringing[leg.id] = (agent, caller)

    def _agent_up(self, leg: Channel) -> None:
        agent, caller = self.ringing.pop(leg.id)
        self.busy[leg.id] = agent
        if caller.hangup_requested:
            self.model.hangup(leg)
            return
        self.model.media.moh_stop(caller)
        bridge = bridging.create(self.model, "mixing", None, None)
        bridging.add_channels(self.model, bridge, [caller.id, leg.id])
        self.pairs[caller.id], self.pairs[leg.id] = leg.id, caller.id

    def _gone(self, channel: Channel) -> None:
        other = self.model.channels.get(self.pairs.pop(channel.id, ""))
        if other is not None:
            self.pairs.pop(other.id, None)
            bridge = other.bridge
            self.model.hangup(other)
            if bridge is not None:
                bridging.destroy(self.model, bridge)
        ringing = self.ringing.pop(channel.id, None)
        if ringing is not None:  # left ringing: the caller goes back to the head of the queue
            self.free.append(ringing[0])
            if not ringing[1].hangup_requested:
                self.waiting.insert(0, ringing[1])
        if channel.id in self.busy:
            self.free.append(self.busy.pop(channel.id))
        self._dispatch()


# --------------------------------------------------------------------------- registration and softphones


async def test_softphones_register_at_their_time_through_the_device_book(sim: PbxSim, clock: ManualClock) -> None:
    seen = record(sim)
    t0 = clock.now()
    start(sim, 'agents:\n  "1001": {register_at: 30}\n  "1002": {register_at: {min: 10, max: 20}}\n')
    await run_for(sim, clock, 29)
    with pytest.raises(ModelError) as refused:  # no contact yet: PJSIP/1001 cannot be dialled
        dialing.originate(sim.model, "PJSIP/1001", APP, [])
    assert refused.value.status == 500
    assert sim.model.devices.contacts("1001") == []
    await run_for(sim, clock, 1)
    contacts = [(round(now - t0, 6), e.endpoint, e.status) for now, e in seen if isinstance(e, ev.ContactStatusChanged)]
    assert contacts[-2:] == [(30.0, "PJSIP/1001", "NonQualified"), (30.0, "PJSIP/1001", "Reachable")]
    second = [at for at, endpoint, _ in contacts if endpoint == "PJSIP/1002"]
    assert len(second) == 2 and 10 <= second[0] <= 20
    assert sim.model.devices.device_state("1001") == "NOT_INUSE"
    assert sim.model.world.endpoints["PJSIP/1001"].context == "agents"


async def test_a_softphone_answers_after_its_sampled_delay_and_hangs_up_after_talking(
    sim: PbxSim, clock: ManualClock
) -> None:
    seen = record(sim)
    sim.model.stasis.activate(APP)
    runner = start(sim, 'agents:\n  "1001": {answer_after: {min: 2, max: 6}, talk: {mean: 60, sd: 20}}\n')
    # The same draws the softphone will make: its own stream, (answers?, delay) per offer, (talk, who) per answer.
    from pbxsim.scenario.distributions import stream_rng

    mirror = stream_rng(runner.seed, "agent", "1001")
    mirror.random()  # register_at is fixed: no draw; this is the offer's "answers?" draw
    delay = mirror.uniform(2, 6)
    talk = runner.scenario.agents[0].talk.sample(mirror)
    await sim.model.scheduler.settle()
    t0 = clock.now()
    leg = dialing.originate(sim.model, "PJSIP/1001", APP, ["agent"])
    await run_for(sim, clock, 120, step=0.25)
    times = {type(e).__name__ + getattr(e, "status", ""): now - t0 for now, e in seen if getattr(e, "peer", None) is leg
             or getattr(e, "channel", None) is leg}  # fmt: skip
    assert times["DialUpdateRINGING"] == 0
    assert times["DialUpdateANSWER"] == pytest.approx(delay)
    assert times["StasisStarted"] == pytest.approx(delay)
    assert times["ChannelDestroyed"] == pytest.approx(delay + talk)  # nobody else in a bridge: the agent ends it
    hangup = next(e for _, e in seen if isinstance(e, ev.ChannelHangupRequested) and e.channel is leg)
    assert (hangup.cause, hangup.soft) == (16, False)  # the far end (the phone) hung up
    assert (runner.stats.offered, runner.stats.agent_answers) == (1, 1)


async def test_a_softphone_set_not_to_answer_lets_the_originate_time_out(sim: PbxSim, clock: ManualClock) -> None:
    seen = record(sim)
    runner = start(sim, 'agents:\n  "1001": {no_answer: 1.0}\n')
    await sim.model.scheduler.settle()
    leg = dialing.originate(sim.model, "PJSIP/1001", APP, [], timeout=15)
    await run_for(sim, clock, 20)
    destroyed = [e for _, e in seen if isinstance(e, ev.ChannelDestroyed) and e.channel is leg]
    assert [(e.cause, e.tech_cause) for e in destroyed] == [(19, 480)]
    assert runner.stats.left_ringing == 1


# --------------------------------------------------------------------------- inbound callers


async def test_poisson_arrivals_stay_within_statistical_bounds(sim: PbxSim, clock: ManualClock) -> None:
    seen = record(sim)
    t0 = clock.now()
    text = 'inbound:\n  - {number: "5000", rate: 1800/h, window: {start: 100, end: 7300}, patience: 30}\n'
    runner = start(sim, text)
    await run_for(sim, clock, 7400, step=20)
    arrivals = [now - t0 for now, e in seen if isinstance(e, ev.ChannelVarSet) and e.variable == "STASISSTATUS"]
    expected = 0.5 * 7200  # rate x window; a Poisson count's sd is sqrt(expected) = 60
    assert abs(len(arrivals) - expected) < 5 * math.sqrt(expected), len(arrivals)
    assert runner.stats.arrivals == runner.stats.stasis_failed == len(arrivals)
    assert min(arrivals) >= 100 and max(arrivals) < 7300
    # Counts per minute: a Poisson process has variance = mean (regular or batched arrivals would not).
    bins = [0] * 120
    for at in arrivals:
        bins[int((at - 100) // 60)] += 1
    mean = sum(bins) / len(bins)
    dispersion = sum((b - mean) ** 2 for b in bins) / (len(bins) - 1) / mean
    assert 0.6 < dispersion < 1.5, dispersion
    # Without an engine every caller took the dialplan fallback and gave up after its patience.
    assert runner.stats.abandoned == len(arrivals) and sim.model.channels == {}
    assert {f.dialplan_app for f in sim.model.world.fallbacks} == {"Queue"}


async def test_an_unanswered_caller_hangs_up_when_its_patience_runs_out_seen_over_ari(
    sim: PbxSim, clock: ManualClock
) -> None:
    from datetime import datetime

    from pbxsim.scenario.distributions import stream_rng

    text = (
        'inbound:\n  - {number: "5001", rate: 0.05, window: {start: 10, end: 400}, caller: "01XXXXXXXX",\n'
        '     patience: {min: 20, max: 60}, dtmf: [{after: 5, digits: "42"}]}\n'
    )
    async with aiohttp.ClientSession() as http:
        replay = Replay(sim, clock, http)  # an ARI client of the app "callcenter"
        await replay.connect()
        t0 = clock.now()
        runner = start(sim, text, app="callcenter")
        spec = runner.scenario.inbound[0]
        mirror = stream_rng(runner.seed, "inbound", spec.name)
        arrival = 10 + mirror.expovariate(spec.rate)
        mirror.expovariate(spec.rate)  # the next caller's gap is drawn at this arrival, before its own draws
        number = spec.caller.generate(mirror)
        assert spec.patience is not None
        patience = spec.patience.sample(mirror)
        for _ in range(math.ceil(arrival + patience + 1)):
            await run_for(sim, clock, 1)
            await replay.sync()
        await replay.close()
    runner.stop()

    def at(event: dict[str, Any]) -> float:
        return datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() - t0

    first = [e for _, e in replay.events if e.get("channel", {}).get("caller", {}).get("number") == number]
    types = [e["type"] for e in first]
    assert types[:1] == ["StasisStart"] and first[0]["args"] == ["inbound", "5001"]
    assert at(first[0]) == pytest.approx(arrival, abs=0.002)
    assert [e["digit"] for e in first if e["type"] == "ChannelDtmfReceived"] == ["4", "2"]
    hangup = next(e for e in first if e["type"] == "ChannelHangupRequest")
    assert at(hangup) == pytest.approx(arrival + patience, abs=0.002)
    # A dialplan Stasis() channel's ChannelDestroyed is not shown to the app after StasisEnd (NOTES ARI 7).
    assert types[-2:] == ["ChannelHangupRequest", "StasisEnd"] and hangup["cause"] == 16 and "soft" not in hangup
    assert runner.stats.abandoned >= 1


async def test_a_caller_bridged_with_an_agent_before_its_patience_stays(sim: PbxSim, clock: ManualClock) -> None:
    seen = record(sim)
    text = (
        'agents:\n  "1001": {answer_after: 2, talk: 100}\n'
        'inbound:\n  - {number: "5000", rate: 1, window: {start: 5, end: 6}, patience: 30}\n'
    )
    acd = MiniAcd(sim, ["1001"])
    runner = start(sim, text)
    await run_for(sim, clock, 200, step=0.5)
    assert runner.stats.arrivals >= 1 and acd.pairs == {}
    first_caller = next(e.channel for _, e in seen if isinstance(e, ev.StasisStarted) and e.args[0] == "inbound")
    ended = next(now for now, e in seen if isinstance(e, ev.ChannelHangupRequested) and e.channel is first_caller)
    started = next(now for now, e in seen if isinstance(e, ev.StasisStarted) and e.channel is first_caller)
    assert ended - started == pytest.approx(2 + 100)  # ring 2 s, talk 100 s: well past the 30 s patience
    assert runner.stats.abandoned == runner.stats.arrivals - 1  # the others queued behind the one agent


# --------------------------------------------------------------------------- determinism


SCENARIO = """\
seed: {seed}
agents:
  "1001-1004": {{register_at: {{min: 0, max: 20}}, answer_after: {{min: 2, max: 6}}, no_answer: 0.1,
                talk: {{mean: 60, sd: 20}}, hangs_up: {{agent: 0.5}}}}
inbound:
  - {{number: "5000", rate: 120/h, caller: "06XXXXXXXX", patience: {{exponential: 60}},
     dtmf: [{{after: 2, digits: "1", probability: 0.5}}],
     hangup_early: {{probability: 0.1, after: {{min: 1, max: 5}}}}}}
  - {{number: "5001", rate: 60/h, window: {{start: 30}}, patience: {{mean: 90, sd: 30}}}}
"""


async def run_day(tmp_path: Path, seed: int, minutes: int = 15) -> tuple[list[tuple[Any, ...]], str]:
    clock = ManualClock()
    config = PbxSimConfig(clock=clock, recordings_dir=tmp_path, seed=11)
    async with PbxSim(config) as sim:
        t0 = clock.now()
        trace: list[tuple[Any, ...]] = []

        def fingerprint(event: ModelEvent, now: float) -> None:
            subject = getattr(event, "channel", None) or getattr(event, "peer", None)
            name = subject.name if isinstance(subject, Channel) else getattr(event, "endpoint", "")
            detail = [getattr(event, key, "") for key in ("status", "cause", "digit", "variable", "value", "args")]
            trace.append((round(now - t0, 6), type(event).__name__, name, *map(str, detail)))

        sim.model.bus.subscribe(fingerprint)
        MiniAcd(sim, ["1001", "1002", "1003", "1004"])
        runner = start(sim, SCENARIO.format(seed=seed))
        await run_for(sim, clock, minutes * 60, step=0.5)
        return trace, runner.stats.summary()


async def test_the_same_seed_gives_the_same_run_and_another_seed_another(tmp_path: Path) -> None:
    first, stats = await run_day(tmp_path, seed=1)
    again, stats_again = await run_day(tmp_path, seed=1)
    other, _ = await run_day(tmp_path, seed=2)
    assert len(first) > 500  # a real quarter hour: calls answered, bridged, abandoned
    kinds = {kind for _, kind, *_ in first}
    assert {"StasisStarted", "ChannelEnteredBridge", "DtmfReceived", "ContactStatusChanged"} <= kinds
    assert again == first and stats_again == stats
    assert other != first
