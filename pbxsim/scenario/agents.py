"""The agents' softphones: they register at their time, ring, answer after a sampled delay, talk, hang up.

A softphone is a PJSIP endpoint in context `agents` (the shipped dialplans/agents.conf), defined without a
contact so that dialling it fails ("Allocation failed") until it registers through the `DeviceBook` at its
`register_at`. An originate to it asks the world for the far end: the softphone's stream decides there,
per call, whether the agent answers and after how long (`FarEnd.answers(after)`, or `FarEnd.no_answer()`
and the originate times out). The conversation is timed from the answer (the `DialUpdate` ANSWER on the
bus): after the sampled talk time either the agent hangs up, or the agent waits and the other side of the
bridge hangs up (a caller's own hangup) - which one is drawn per call with `hangs_up`.

Draws per softphone happen in a fixed order per offered call (answers?, delay) and per answered call
(talk, who), so a softphone's behaviour depends only on how many calls it was offered.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from pbxsim.model.objects import Channel
from pbxsim.model.scheduler import Timer
from pbxsim.model.world import FarEnd
from pbxsim.scenario.distributions import stream_rng
from pbxsim.scenario.spec import AgentSpec
from pbxsim.scenario.stats import ScenarioStats

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

AGENT_CONTEXT = "agents"


class Softphone:
    def __init__(self, spec: AgentSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.key = f"PJSIP/{spec.endpoint}"


class Softphones:
    """All the scenario's softphones; see the module docstring."""

    def __init__(self, model: CallModel, specs: tuple[AgentSpec, ...], seed: int, stats: ScenarioStats) -> None:
        self.model = model
        self.stats = stats
        self.phones = {
            f"PJSIP/{spec.endpoint}": Softphone(spec, stream_rng(seed, "agent", spec.endpoint)) for spec in specs
        }
        self.timers: list[Timer] = []

    def start(self) -> None:
        world = self.model.world
        for key, phone in self.phones.items():
            if key not in world.endpoints:
                world.define_endpoint(phone.spec.endpoint, contact=False, context=AGENT_CONTEXT)
            at = phone.spec.register_at.sample(phone.rng)
            self.timers.append(self.model.later(at, lambda phone=phone: self._register(phone)))

    def stop(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def _register(self, phone: Softphone) -> None:
        spec = phone.spec
        self.model.devices.register(spec.endpoint, expires=spec.expires, qualify=spec.qualify)
        self.stats.registered += 1

    # ----------------------------------------------------------------------- calls to a softphone

    def far_end(self, dialstring: str) -> FarEnd | None:
        """World far-end source: `PJSIP/1001` (or `PJSIP/1001/sip:...`) of one of our softphones."""
        tech, _, resource = dialstring.partition("/")
        phone = self.phones.get(f"PJSIP/{resource.split('/', 1)[0]}") if tech == "PJSIP" else None
        if phone is None:
            return None
        self.stats.offered += 1
        answers = phone.rng.random() >= phone.spec.no_answer
        delay = phone.spec.answer_after.sample(phone.rng)
        if not answers:
            self.stats.left_ringing += 1
            return FarEnd.no_answer()
        return FarEnd.answers(after=delay)

    def answered(self, channel: Channel) -> bool:
        """Called for every answered dial; times the conversation if the channel is one of our softphones."""
        phone = self.phones.get(channel.endpoint) if channel.endpoint is not None else None
        if phone is None:
            return False
        self.stats.agent_answers += 1
        talk = phone.spec.talk.sample(phone.rng)
        agent_ends = phone.rng.random() < phone.spec.agent_hangs_up
        self.model.later(talk, lambda: self._talk_over(channel, agent_ends), channel)
        return True

    def _talk_over(self, channel: Channel, agent_ends: bool) -> None:
        if channel.destroyed or channel.hangup_requested:
            return
        bridge = channel.bridge
        others = (
            [] if bridge is None else [c for c in bridge.channels.values() if c is not channel and c.tech != "Snoop"]
        )
        if agent_ends or not others:
            # Nobody to wait for (never bridged, or alone): the agent hangs up rather than hold a dead line.
            self.model.far_end_hangup(channel, 16)
            return
        for other in others:
            self.model.world.caller_hangup(other)
