"""What a bench or a diagnostic may watch of a running engine through its public hooks (engine/instrument.py,
`EventStream.watch`), and the demo's login policy, which is a hook of the demo, not of the engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.core.acd import CallEnqueued
from engine.core.agent_fsm import StatusTrigger
from engine.core.event_record import EventRecord
from engine.demo_team import log_in_when_reachable
from engine.instrument import Probes
from engine.pbx import ari_commands as cmd
from pbxsim.model import FarEnd
from tests.acd_rig import agent_ready, open_rig, support_center

CENTER = support_center("{strategy: longest_idle, ring_timeout_s: 15}")


async def test_probes_see_each_decision_each_request_and_each_record(database_url: str, tmp_path: Path) -> None:
    decisions: list[tuple[object, int, float]] = []
    sent: list[object] = []
    answered: list[object] = []

    def decided(event: object, commands: Sequence[object], seconds: float) -> None:
        decisions.append((event, len(commands), seconds))

    probes = Probes(decided=decided, requested=sent.append, answered=answered.append)
    async with open_rig(database_url, tmp_path, CENTER, probes=probes) as rig:
        published: list[EventRecord] = []
        rig.engine.stream.watch(published.append)
        world = rig.sim.model.world
        world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=1))
        agent_ready(rig, "1001")
        caller = world.place_inbound("callhive", ["inbound", "5000"])
        started = await rig.until("CallStarted", leg_id=caller.id)
        await rig.until("AgentRinging", call_id=started.call_id)
        enqueued = [(e, n, s) for e, n, s in decisions if isinstance(e, CallEnqueued)]
        assert [e.call_id for e, _n, _s in enqueued] == [started.call_id]
        assert enqueued[0][1] > 0 and enqueued[0][2] >= 0.0
        originates = [r for r in sent if isinstance(r, cmd.OriginateChannel)]
        assert [r.endpoint for r in originates] == ["PJSIP/1001"]
        assert originates[0] in answered  # its answer came
        assert any(r.type == "CallStarted" and r.call_id == started.call_id for r in published)


async def test_the_demo_logs_an_agent_in_once_their_phone_is_reachable(database_url: str, tmp_path: Path) -> None:
    async with open_rig(database_url, tmp_path, CENTER, acd_hooks=[log_in_when_reachable]) as rig:
        assert rig.acd.acd.roster.agent("1001").presence.status.value == "logged_out"
        await rig.phone("1001", FarEnd.answers(after=1))  # registers: reachable on AMI
        changed = await rig.until("AgentStatusChanged", agent_id="1001")
        assert changed.body["status"] == "available"


async def test_without_the_demo_policy_a_reachable_phone_stays_logged_out(database_url: str, tmp_path: Path) -> None:
    async with open_rig(database_url, tmp_path, CENTER) as rig:
        await rig.phone("1001", FarEnd.answers(after=1))
        rig.acd.request("1002", StatusTrigger.LOGIN)  # a later fact: everything before it has been seen
        await rig.until("AgentStatusChanged", agent_id="1002")
        assert not rig.seen("AgentStatusChanged", agent_id="1001")
        assert rig.acd.acd.roster.agent("1001").presence.status.value == "logged_out"
