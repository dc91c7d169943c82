"""`ScenarioRunner`: puts a `Scenario` to work in a running call model, on the model's scheduler.

    runner = ScenarioRunner(sim.model, load_scenario("scenarios/demo.yaml"), app="callhive")
    runner.start()        # t=0 of the scenario is the model's time now
    ...
    runner.stop()         # no more arrivals or registrations; calls in progress play out
    runner.stats          # counters (pbxsim.scenario.stats)

Wiring: the softphones and the outbound destinations are far-end *sources* of the world (asked per dial
string by `World.resolve`), and one bus subscriber hands every answered dial (`DialUpdate` ANSWER) to them
to time conversations and run AMD, and counts AMD results (AMDSTATUS). The subscriber only schedules timers:
bus subscribers must not change the model while an event is being published. Every delay is a timer on the
model's scheduler, so a `ManualClock` drives a scenario exactly as the wall clock does, only faster.

Determinism: given the same seed, the same scenario and the same sequence of requests from the engine (as a
test on a `ManualClock` produces), the run is identical - channel ids, names and every event. Callers and
registrations do not even depend on the engine (see pbxsim.scenario.distributions).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pbxsim.model.events import ChannelVarSet, DialUpdate, ModelEvent
from pbxsim.scenario.agents import Softphones
from pbxsim.scenario.callers import CallerStream
from pbxsim.scenario.outbound import Destinations
from pbxsim.scenario.spec import Scenario
from pbxsim.scenario.stats import ScenarioStats

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

log = logging.getLogger("pbxsim.scenario")


class ScenarioRunner:
    def __init__(self, model: CallModel, scenario: Scenario, app: str = "callhive", seed: int | None = None) -> None:
        self.model = model
        self.scenario = scenario
        self.app = app
        self.seed = scenario.seed if seed is None else seed
        self.stats = ScenarioStats()
        self.softphones = Softphones(model, scenario.agents, self.seed, self.stats)
        self.streams = [CallerStream(model, spec, app, self.seed, self.stats) for spec in scenario.inbound]
        self.destinations = Destinations(model, scenario.outbound, app, self.seed, self.stats)
        self.started_at: float | None = None

    def start(self) -> None:
        if self.started_at is not None:
            raise RuntimeError("scenario already started")
        self.started_at = self.model.now()
        world = self.model.world
        world.far_end_sources.append(self.softphones.far_end)
        world.far_end_sources.append(self.destinations.far_end)
        self.model.bus.subscribe(self._on_event)
        self.softphones.start()
        self.destinations.start()
        for stream in self.streams:
            stream.start()
        log.info(
            "scenario %s (seed %d, app %s): %d softphones, %d caller streams, %d outbound rules",
            self.scenario.source, self.seed, self.app, len(self.softphones.phones), len(self.streams),
            len(self.destinations.rules),
        )  # fmt: skip

    def stop(self) -> None:
        if self.started_at is None:
            return
        self.softphones.stop()
        for stream in self.streams:
            stream.stop()
        world = self.model.world
        for source in (self.softphones.far_end, self.destinations.far_end):
            if source in world.far_end_sources:
                world.far_end_sources.remove(source)
        self.model.bus.unsubscribe(self._on_event)
        self.started_at = None

    def _on_event(self, event: ModelEvent, now: float) -> None:
        # Called for every event of the PBX: the type test comes first and is all most events cost.
        if type(event) is DialUpdate:
            if event.status == "ANSWER" and not self.softphones.answered(event.peer):
                self.destinations.answered(event.peer)
        elif type(event) is ChannelVarSet and event.variable == "AMDSTATUS":
            self.stats.amd[event.value] += 1  # AMD() of any call, ours or dialled by the engine
