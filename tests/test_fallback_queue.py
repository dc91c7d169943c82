"""The fallback queue's members follow the agents' statuses: the pure table of AMI actions, the reconciliation at
connect, and the whole over a real AMI connection to pbxsim - including the error answers Asterisk gives
(transcripts/ami_login_and_queue_call: "Already there", "Interface not found", "Not there", "No such queue")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.adapters.ami import AmiClient
from engine.asterisk import parse_config_text, render_texts
from engine.asterisk.render import FALLBACK_QUEUE as RENDERED_QUEUE
from engine.config import AmiSettings, load_settings
from engine.core.agent_fsm import AgentStatus
from engine.core.facts import AgentStatusChanged, EngineStopping
from engine.core.ids import AgentId
from engine.pbx.ami_commands import QueueAdd, QueuePause, QueueRemove
from engine.pbx.ami_events import AmiStreamItem, MemberStatus, QueueMemberSnapshot
from engine.routing.fallback_queue import (
    FALLBACK_LABEL,
    FALLBACK_QUEUE,
    INBOUND_CONTEXT,
    FallbackQueue,
    Membership,
    fallback_continue,
    membership_actions,
    reconcile,
)
from engine.secret import Secret
from pbxsim.clock import ManualClock
from pbxsim.server import PbxSim, PbxSimConfig

AVAILABLE, ON_BREAK, LOGGED_OUT = AgentStatus.AVAILABLE, AgentStatus.ON_BREAK, AgentStatus.LOGGED_OUT
GUARD_SECONDS = 10.0


# --- the table -------------------------------------------------------------------------------------------
def test_each_status_change_is_one_member_action() -> None:
    def actions(new: AgentStatus, previous: AgentStatus | None, reason: str | None = None) -> list[object]:
        return list(membership_actions("1001", "PJSIP/1001", new, previous, reason))

    assert actions(AVAILABLE, LOGGED_OUT) == [QueueAdd("fallback", "PJSIP/1001", member_name="1001", paused=False)]
    assert actions(AVAILABLE, None) == actions(AVAILABLE, LOGGED_OUT)  # unknown before: not a member
    assert actions(ON_BREAK, AVAILABLE, "lunch") == [QueuePause("PJSIP/1001", True, "fallback", "lunch")]
    assert actions(AVAILABLE, ON_BREAK) == [QueuePause("PJSIP/1001", False, "fallback", None)]
    assert actions(LOGGED_OUT, ON_BREAK) == actions(LOGGED_OUT, AVAILABLE) == [QueueRemove("fallback", "PJSIP/1001")]
    assert actions(ON_BREAK, LOGGED_OUT, "training") == [
        QueueAdd("fallback", "PJSIP/1001", member_name="1001", paused=True),
        QueuePause("PJSIP/1001", True, "fallback", "training"),  # QueueAdd carries no reason
    ]
    assert actions(AVAILABLE, AVAILABLE) == actions(LOGGED_OUT, None) == []


def member(interface: str, paused: bool = False, reason: str = "", membership: str = "dynamic",
           queue: str = "fallback") -> QueueMemberSnapshot:
    return QueueMemberSnapshot(queue, interface, interface, interface, membership, 0, 0, 0, 0, 0, False,
                               MemberStatus.NOT_INUSE, paused, reason, None, 0)


def test_reconcile_sends_only_the_difference() -> None:
    wanted = {"PJSIP/1001": ("1001", Membership(False)), "PJSIP/1002": ("1002", Membership(True, "lunch")),
              "PJSIP/1003": ("1003", Membership(False))}
    present = [member("PJSIP/1001"), member("PJSIP/1002"), member("PJSIP/9999"),
               member("PJSIP/8888", membership="static"), member("PJSIP/7777", queue="support")]
    assert reconcile(wanted, present) == [
        QueuePause("PJSIP/1002", True, "fallback", "lunch"),
        QueueRemove("fallback", "PJSIP/9999"),  # dynamic and nobody's: an agent logged out meanwhile
        QueueAdd("fallback", "PJSIP/1003", member_name="1003", paused=False),
    ]  # a static member belongs to queues.conf, another queue's members are not looked at
    in_step = [member("PJSIP/1001"), member("PJSIP/1002", True, "lunch"), member("PJSIP/1003")]
    assert reconcile(wanted, in_step) == []


def test_a_caller_is_let_go_to_the_fallback_label_of_its_number() -> None:
    request = fallback_continue("chan-7", "5000")
    assert (request.channel_id, request.context, request.extension, request.label, request.priority) == (
        "chan-7", "inbound", "5000", "fallback", None)


def test_the_rendered_dialplan_has_the_label_where_the_engine_sends_callers() -> None:
    """The label is on the Answer() right before Queue(fallback) in the context every number runs in; a continue
    to it skips the engine's Stasis() and goes where a failed Stasis() goes."""
    rendered = next(r for r in render_texts(load_settings(None, {})) if r.target == "dialplans/inbound.conf")
    steps = [value for _key, value in parse_config_text(rendered.text, Path("inbound.conf")).section(
        INBOUND_CONTEXT).entries]
    at = steps.index(f"n({FALLBACK_LABEL}),Answer()")
    assert steps[at + 1].startswith(f"n,Queue({FALLBACK_QUEUE},")
    assert any(step.startswith("n,Stasis(") for step in steps[:at])
    assert RENDERED_QUEUE == FALLBACK_QUEUE  # the queue the engine keeps in step is the one rendered


# --- over AMI, against pbxsim ----------------------------------------------------------------------------
AGENTS = {"1001": "PJSIP/1001", "1002": "PJSIP/1002"}


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = PbxSimConfig(ami_username="hive", ami_secret="pw", recordings_dir=tmp_path)
    async with PbxSim(config) as running:
        yield running


class Link:
    """An AMI client to pbxsim whose resync is the fallback queue's, as PbxLink runs it."""

    def __init__(self, sim: PbxSim, fallback: FallbackQueue) -> None:
        self.connected = asyncio.Event()
        self.client = AmiClient(AmiSettings("127.0.0.1", sim.ami_port, "hive", Secret("pw"), 5.0), ManualClock(),
                                self._on_event, resync=fallback.resync)

    def _on_event(self, item: AmiStreamItem) -> None:
        if type(item).__name__ == "AmiConnected":
            self.connected.set()


@pytest.fixture
async def linked(sim: PbxSim) -> AsyncIterator[tuple[FallbackQueue, Link]]:
    fallback = FallbackQueue(AGENTS)
    link = Link(sim, fallback)
    async with asyncio.timeout(GUARD_SECONDS), asyncio.TaskGroup() as tasks:
        runner = tasks.create_task(link.client.run())
        yield fallback, link
        await fallback.settled()
        await link.client.close()
        await runner


def members(sim: PbxSim) -> dict[str, tuple[str, bool, str]]:
    queue = sim.model.queues.queues["fallback"]
    return {m.interface: (m.member_name, m.paused, m.paused_reason) for m in queue.members.values()}


def status(agent_id: str, value: AgentStatus, reason: str | None = None) -> AgentStatusChanged:
    """The fact as the ACD records it (what `FallbackQueue.on_fact` hears)."""
    return AgentStatusChanged(AgentId(agent_id), value, reason)


async def test_login_break_ready_logout_keep_the_member_in_step(sim: PbxSim,
                                                                linked: tuple[FallbackQueue, Link]) -> None:
    fallback, link = linked
    await link.connected.wait()
    fallback.on_fact(status("1001", AVAILABLE))
    await fallback.settled()
    assert members(sim) == {"PJSIP/1001": ("1001", False, "")}
    fallback.on_fact(status("1001", ON_BREAK, "lunch"))
    await fallback.settled()
    assert members(sim) == {"PJSIP/1001": ("1001", True, "lunch")}
    fallback.on_fact(status("1001", AVAILABLE))
    await fallback.settled()
    assert members(sim) == {"PJSIP/1001": ("1001", False, "")}
    fallback.on_fact(EngineStopping())  # not a status change: nothing to do
    fallback.on_fact(status("1001", LOGGED_OUT))
    fallback.on_fact(status("9999", AVAILABLE))  # not one of the center's agents: ignored
    await fallback.settled()
    assert members(sim) == {}
    assert fallback.sent == 4


async def test_the_resync_at_connect_brings_the_queue_to_what_the_engine_holds(sim: PbxSim) -> None:
    queues = sim.model.queues
    queues.add_member("fallback", "PJSIP/1001", "1001")  # wanted on break, found unpaused
    queues.add_member("fallback", "PJSIP/4711", "4711")  # nobody's any more
    fallback = FallbackQueue(AGENTS)
    fallback.restore([("1001", ON_BREAK, "lunch"), ("1002", AVAILABLE, None)])
    link = Link(sim, fallback)
    async with asyncio.timeout(GUARD_SECONDS), asyncio.TaskGroup() as tasks:
        runner = tasks.create_task(link.client.run())
        await link.connected.wait()
        await fallback.settled()
        assert members(sim) == {"PJSIP/1001": ("1001", True, "lunch"), "PJSIP/1002": ("1002", False, "")}
        await link.client.close()
        await runner


async def test_error_answers_are_read_for_what_they_prove(sim: PbxSim, linked: tuple[FallbackQueue, Link]) -> None:
    fallback, link = linked
    await link.connected.wait()
    queues = sim.model.queues
    # "Unable to add interface: Already there": a member already, so its pause is set as wanted.
    queues.add_member("fallback", "PJSIP/1001", "1001", paused=True)
    fallback.agent_status_changed("1001", AVAILABLE)
    await fallback.settled()
    assert members(sim)["PJSIP/1001"] == ("1001", False, "")
    # "Interface not found": removed behind the engine's back, so the break adds it, paused.
    queues.remove_member("fallback", "PJSIP/1001")
    fallback.agent_status_changed("1001", ON_BREAK, "lunch")
    await fallback.settled()
    assert members(sim)["PJSIP/1001"] == ("1001", True, "lunch")
    # "Unable to remove interface: Not there": nothing left to do.
    queues.remove_member("fallback", "PJSIP/1001")
    fallback.agent_status_changed("1001", LOGGED_OUT)
    await fallback.settled()
    assert members(sim) == {}
    assert fallback.sent == 6  # add + pause, pause + add + pause, remove


async def test_a_queue_missing_from_asterisk_is_reported(sim: PbxSim, linked: tuple[FallbackQueue, Link],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    fallback, link = linked
    await link.connected.wait()
    del sim.model.queues.queues["fallback"]
    with caplog.at_level(logging.WARNING, logger="engine.routing.fallback_queue"):
        fallback.agent_status_changed("1002", AVAILABLE)
        await fallback.settled()
    assert [r.getMessage() for r in caplog.records] == [
        "queue 'fallback' does not exist in Asterisk (queues.conf): callers of an engine that is down or full "
        "reach voicemail only"]


async def test_nothing_is_sent_while_ami_is_down_and_the_next_connect_catches_up(sim: PbxSim) -> None:
    fallback = FallbackQueue(AGENTS)
    link = Link(sim, fallback)
    fallback.agent_status_changed("1002", ON_BREAK, "meeting")  # before any connection
    assert fallback.sent == 0
    async with asyncio.timeout(GUARD_SECONDS), asyncio.TaskGroup() as tasks:
        runner = tasks.create_task(link.client.run())
        await link.connected.wait()
        await fallback.settled()
        assert members(sim) == {"PJSIP/1002": ("1002", True, "meeting")}
        await link.client.close()
        await runner
