"""Outbound destinations: how numbers the engine dials answer, and answering-machine detection.

The dialer reaches a number as `PJSIP/<number>@<trunk>` (or `PJSIP/<trunk>/sip:<number>@host`) or as
`Local/<number>@outbound` (dialplans/outbound.conf). The first destination rule whose pattern matches the
number decides, per call, from its own stream: the outcome (answer / busy / no_answer / congestion /
unreachable), the ring time before an answer and how long the far end stays before hanging up. These map
onto the world's `FarEnd`, which produces the recorded event sequences (pbxsim.model.dialing).

AMD: the dialer originates into the dialplan (context outbound-amd, extension detect, no `app`), which runs
AMD() then `Stasis(<app>,amd,<AMDSTATUS>,<AMDCAUSE>)` (dialplans/outbound.conf). `start()` declares that
extension to the world and the far end drawn for an answered call carries what AMD() will conclude (drawn
from `answered_by` at the dial); the model then runs it exactly as for any originate into an AMD extension
(pbxsim.model.amd: recorded values and event order, the fallback queue when Stasis fails). A dial answered
with neither app nor dialplan location (an internal originate, as the scenario tests place them) is taken
to be in outbound-amd too, with a verdict drawn at the answer.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypeVar

from pbxsim.model import amd
from pbxsim.model.objects import Channel, Dialplan
from pbxsim.model.world import FarEnd
from pbxsim.scenario.distributions import stream_rng
from pbxsim.scenario.spec import AMD_RESULTS, DestinationSpec, Dial, OutboundSpec
from pbxsim.scenario.stats import ScenarioStats

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

T = TypeVar("T")
AMD_CONTEXT = "outbound-amd"


def choose(rng: random.Random, table: tuple[tuple[T, float], ...]) -> T:
    """One draw from a probability table (entries add up to 1)."""
    point, total = rng.random(), 0.0
    for value, probability in table:
        total += probability
        if point < total:
            return value
    return table[-1][0]


class Destination:
    def __init__(self, spec: DestinationSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng


class Destinations:
    """The scenario's outbound side; see the module docstring."""

    def __init__(self, model: CallModel, spec: OutboundSpec, app: str, seed: int, stats: ScenarioStats) -> None:
        self.model = model
        self.spec = spec
        self.app = app
        self.stats = stats
        self.rules = [Destination(dest, stream_rng(seed, "outbound", dest.name)) for dest in spec.destinations]
        self.amd_extension = amd.AmdExtension(app, fallback_queue="fallback")

    def start(self) -> None:
        self.model.world.define_amd_extension(AMD_CONTEXT, "detect", self.amd_extension)
        trunk = self.spec.trunk
        if self.rules and trunk is not None and f"PJSIP/{trunk}" not in self.model.world.endpoints:
            # A carrier trunk: a static contact from pjsip.conf, usable from boot (no registration).
            self.model.world.define_endpoint(trunk, contact=True, context="from-trunk")

    def number_of(self, tech: str, resource: str) -> str | None:
        """The dialled number when the dial string reaches our destinations, else None."""
        if tech == "Local":
            exten, _, context = resource.split("/", 1)[0].partition("@")
            return exten if context in self.spec.contexts else None
        if tech != "PJSIP" or self.spec.trunk is None:
            return None
        if "/" in resource:  # PJSIP/<trunk>/sip:<number>@host
            endpoint, uri = resource.split("/", 1)
            user = uri.partition(":")[2].partition("@")[0] if uri.startswith("sip") else ""
            return user or None if endpoint == self.spec.trunk else None
        user, at, endpoint = resource.rpartition("@")
        return user if at and endpoint == self.spec.trunk else None

    def _rule(self, tech: str, resource: str) -> Destination | None:
        number = self.number_of(tech, resource)
        if number is None:
            return None
        for rule in self.rules:
            if rule.spec.pattern.matches(number):
                return rule
        return None

    # ----------------------------------------------------------------------- dialling

    def far_end(self, dialstring: str) -> FarEnd | None:
        tech, _, resource = dialstring.partition("/")
        rule = self._rule(tech, resource)
        if rule is None:
            return None
        spec, rng = rule.spec, rule.rng
        outcome = choose(rng, spec.outcomes)
        ring = spec.ring.sample(rng)
        talk = spec.talk.sample(rng) if spec.talk is not None else None
        self.stats.dials[outcome.value] += 1
        if outcome is Dial.ANSWER:
            return FarEnd.answers(after=ring, talk=talk, amd=AMD_RESULTS[choose(rng, spec.answered_by)])
        if outcome is Dial.BUSY:
            return FarEnd.busy()
        if outcome is Dial.CONGESTION:
            return FarEnd.congestion()
        if outcome is Dial.UNREACHABLE:
            return FarEnd.unreachable()
        return FarEnd.no_answer()

    # ----------------------------------------------------------------------- AMD

    def answered(self, channel: Channel) -> bool:
        """An answered dial with no app and no dialplan location: AMD, if it is one of ours (module docstring)."""
        if channel.originated_by_app or channel.stasis_app is not None or channel.on_answer is not None:
            return False
        rule = self._rule(channel.tech, channel.dialstring)
        if rule is None:
            return False
        verdict = AMD_RESULTS[choose(rule.rng, rule.spec.answered_by)]

        def detect() -> None:  # from a timer: bus subscribers must not change the model mid-publish
            channel.dialplan = Dialplan(AMD_CONTEXT, "detect", 1)
            amd.start(self.model, channel, self.amd_extension, verdict)

        self.model.later(0, detect, channel)
        return True
