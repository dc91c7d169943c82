"""Inbound callers: a Poisson process per stream, each caller dialling the stream's DID.

Arrivals: the gaps between callers are exponential with mean 1/rate, drawn from the stream's own
generator, starting at the window's start and stopping at its end - a Poisson process, so the count in a
window of T seconds has mean and variance rate*T.

Each caller goes where the shipped dialplan sends a DID (dialplans/inbound.conf): `Stasis(<app>,inbound,
<number>)` on the ;2 half of a Local pair, as the recorded runs placed calls. When the app is not active
(no engine), Stasis fails and the caller takes the fallback, `Queue(fallback)` with music on hold (rung
through to a member's softphone if the engine left any: pbxsim.model.queues), which is `World.place_inbound`'s
business. Then the caller:
* presses its DTMF digits at their times (each entry drawn against its probability),
* hangs up early, whatever happens, with probability `hangup_early` at the sampled time,
* abandons when its patience runs out unless it is by then *connected*: in a mixing bridge with another
  channel (an agent), not alone on hold. Connected callers stay until one side ends the conversation.
All of a caller's draws happen at its arrival, in a fixed order, so the callers of a stream (times,
numbers, patience, digits) are the same for a seed whatever the engine does.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from pbxsim.model.objects import Channel, Party
from pbxsim.model.scheduler import Timer
from pbxsim.scenario.distributions import stream_rng
from pbxsim.scenario.spec import InboundSpec
from pbxsim.scenario.stats import ScenarioStats

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

FALLBACK = ("Queue", "fallback")  # dialplans/inbound.conf: Queue(fallback,,,,300) when STASISSTATUS=FAILED


def connected(channel: Channel) -> bool:
    """In a mixing bridge with someone else (not a Snoop listening in)."""
    bridge = channel.bridge
    if bridge is None or bridge.bridge_type != "mixing":
        return False
    return any(other is not channel and other.tech != "Snoop" for other in bridge.channels.values())


class CallerStream:
    def __init__(self, model: CallModel, spec: InboundSpec, app: str, seed: int, stats: ScenarioStats) -> None:
        self.model = model
        self.spec = spec
        self.app = app
        self.stats = stats
        self.rng: random.Random = stream_rng(seed, "inbound", spec.name)
        self.begin = 0.0
        self.timer: Timer | None = None
        self.placed = 0

    def start(self) -> None:
        self.begin = self.model.now()
        self._schedule(self.begin + self.spec.start)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _schedule(self, after: float) -> None:
        at = after + self.rng.expovariate(self.spec.rate)
        if self.spec.end is not None and at >= self.begin + self.spec.end:
            self.timer = None
            return
        self.timer = self.model.scheduler.call_at(at, self._arrive)

    def _arrive(self) -> None:
        self._schedule(self.model.now())
        spec, rng = self.spec, self.rng
        number = spec.caller.generate(rng)
        patience = spec.patience.sample(rng) if spec.patience is not None else None
        early = rng.random() < spec.early_hangup
        early_at = spec.early_after.sample(rng)
        presses = [(press.after, press.digits) for press in spec.dtmf if rng.random() < press.probability]
        self.placed += 1
        self.stats.arrivals += 1
        world = self.model.world
        caller = world.place_inbound(
            self.app,
            ["inbound", spec.number],
            exten=spec.number,
            context="inbound",
            caller=Party(spec.caller_name, number),
            fallback=FALLBACK,
        )
        if caller.stasis_app is None:
            self.stats.stasis_failed += 1
        if caller.hangup_requested:
            return
        for after, digits in presses:
            self.model.later(after, lambda digits=digits: world.press(caller, digits), caller)
        if early:
            self.model.later(early_at, lambda: self._hang_up_early(caller), caller)
        if patience is not None:
            self.model.later(patience, lambda: self._patience_over(caller), caller)

    def _hang_up_early(self, caller: Channel) -> None:
        if not caller.hangup_requested:
            self.stats.early_hangups += 1
            self.model.world.caller_hangup(caller)

    def _patience_over(self, caller: Channel) -> None:
        if not caller.hangup_requested and not connected(caller):
            self.stats.abandoned += 1
            self.model.world.caller_hangup(caller)
