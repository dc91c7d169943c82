"""The dialplan's fallback queue: the engine keeps its members in step with the agents, and sends callers there.

A caller reaches app_queue's queue `fallback` (dialplans/inbound.conf) in two ways: the engine is not
connected, so Stasis() fails; or the engine is up but its event writer is full, and it sends the new caller
there itself (`fallback_continue`, to the dialplan label `fallback`) instead of taking the call. Either way the
caller should still reach an agent, so the queue's members follow the agents' statuses:

    status       member of `fallback`    (Interface = the agent's endpoint, MemberName = the agent id)
    logged out   no
    available    yes, unpaused
    on break     yes, paused (Reason = the break's reason)

A change of status is the difference between two rows (`membership_actions`): login is QueueAdd, a break
QueuePause true, ready QueuePause false, logout QueueRemove. The function is pure and takes the statuses
themselves, so whatever shape the engine's facts take, the reader of status changes calls it the same way.

`FallbackQueue` sends them over AMI in the order the statuses changed (AmiClient.submit writes at once). What
Asterisk 22 answers (transcripts/ami_login_and_queue_call, NOTES.md AMI 10) is handled by asking what the
answer proves about the member and sending what then brings it to the state wanted *now* (a later change may
have been sent meanwhile): "Unable to add interface: Already there" - it is a member, so its pause is set;
"Interface not found" (QueuePause) - it is not, so it is added; "Unable to remove interface: Not there" - it is
not, nothing to do unless it is wanted again. While AMI is down nothing is sent; at every (re)connect `resync`
reads the queue (QueueStatus) and sends the difference with the members wanted (`reconcile`), so members lost
with an Asterisk restart, or changed while the link was down, come right. Only dynamic members are removed:
static ones belong to queues.conf (the shipped one has none).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.core.agent_fsm import AgentStatus
from engine.core.facts import AgentStatusChanged, Fact
from engine.pbx import ari_commands as ari
from engine.pbx.ami_commands import (
    ActionOk,
    AmiActionError,
    ConnectionLost,
    QueueAdd,
    QueueMemberEntry,
    QueuePause,
    QueueRemove,
    QueueStatus,
)
from engine.pbx.ami_events import QueueMemberSnapshot

if TYPE_CHECKING:
    from engine.adapters.ami import AmiClient
    from engine.pbx_link import PbxLink

log = logging.getLogger(__name__)

FALLBACK_QUEUE = "fallback"  # engine/asterisk/render.py FALLBACK_QUEUE: queues.conf and dialplans/inbound.conf
FALLBACK_LABEL = "fallback"  # the priority label of dialplans/inbound.conf before Answer(), Queue(fallback)
INBOUND_CONTEXT = "inbound"  # where every inbound number runs Stasis(<app>,inbound,${EXTEN})

MemberAction = QueueAdd | QueuePause | QueueRemove


# --- callers ---------------------------------------------------------------------------------------------


def fallback_continue(channel_id: str, number: str) -> ari.ContinueInDialplan:
    """The request that lets a new caller go, unanswered, to the fallback queue: back to the dialplan at the
    `fallback` label of the number's extension (a bare continue would go to the next priority, which hangs
    up). Asterisk answers 204 and StasisEnd; an unknown label is 404 "Requested label can not be found"
    (ari_continue_redirect), i.e. an Asterisk whose dialplan was not rendered again."""
    log.info("caller sent to the fallback queue", extra={"fields": {"leg_id": channel_id, "number": number}})
    return ari.ContinueInDialplan(channel_id=channel_id, context=INBOUND_CONTEXT, extension=number,
                                  label=FALLBACK_LABEL)


# --- membership ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Membership:
    paused: bool
    reason: str | None = None


def membership_of(status: AgentStatus | None, reason: str | None = None) -> Membership | None:
    """The row of the module docstring's table: None when the agent is not a member."""
    if status is AgentStatus.AVAILABLE:
        return Membership(paused=False)
    if status is AgentStatus.ON_BREAK:
        return Membership(paused=True, reason=reason)
    return None


def _change(agent_id: str, endpoint: str, before: Membership | None, after: Membership | None,
            queue: str) -> list[MemberAction]:
    if after == before:
        return []
    if after is None:
        return [QueueRemove(queue, endpoint)]
    if before is None:
        added: list[MemberAction] = [QueueAdd(queue, endpoint, member_name=agent_id, paused=after.paused)]
        if after.paused and after.reason:  # QueueAdd carries no reason
            added.append(QueuePause(endpoint, True, queue, after.reason))
        return added
    return [QueuePause(endpoint, after.paused, queue, after.reason if after.paused else None)]


def membership_actions(agent_id: str, endpoint: str, new_status: AgentStatus, previous_status: AgentStatus | None,
                       reason: str | None = None, previous_reason: str | None = None,
                       queue: str = FALLBACK_QUEUE) -> list[MemberAction]:
    """The AMI actions that take the agent's membership of `queue` from `previous_status` (None: unknown, taken
    as not a member) to `new_status`; `reason` is the break's."""
    return _change(agent_id, endpoint, membership_of(previous_status, previous_reason),
                   membership_of(new_status, reason), queue)


def reconcile(wanted: Mapping[str, tuple[str, Membership]], present: Iterable[QueueMemberSnapshot],
              queue: str = FALLBACK_QUEUE) -> list[MemberAction]:
    """What brings the queue's members (`present`, from QueueStatus) to `wanted` (interface -> (agent id,
    membership)): dynamic members nobody wants are removed, missing ones added, pauses set."""
    actions: list[MemberAction] = []
    seen: set[str] = set()
    for member in present:
        if member.queue != queue:
            continue
        seen.add(member.interface)
        want = wanted.get(member.interface)
        if want is None:
            if member.membership == "dynamic":
                actions.append(QueueRemove(queue, member.interface))
            continue
        agent_id, membership = want
        held = Membership(member.paused, (member.paused_reason or None) if member.paused else None)
        if held != membership:
            actions.extend(_change(agent_id, member.interface, held, membership, queue))
    for interface, (agent_id, membership) in wanted.items():
        if interface not in seen:
            actions.extend(_change(agent_id, interface, None, membership, queue))
    return actions


# --- keeping it in step over AMI -------------------------------------------------------------------------


class FallbackQueue:
    """See the module docstring. `agents` maps each agent id to its endpoint (the member's Interface)."""

    def __init__(self, agents: Mapping[str, str], queue: str = FALLBACK_QUEUE) -> None:
        self.queue = queue
        self._endpoints = dict(agents)
        self._agent_of = {endpoint: agent_id for agent_id, endpoint in self._endpoints.items()}
        self._wanted: dict[str, Membership] = {}  # agent id -> membership; absent: not a member
        self._client: AmiClient | None = None
        # Replies not yet in, so a test (or a clean stop) can wait for the queue to be in step.
        self._in_flight: set[asyncio.Future[Any]] = set()
        self.sent = 0

    # --- inputs ------------------------------------------------------------------------------------------
    def attach(self, link: PbxLink) -> None:
        """Send over `link`'s AMI client, and resync at each of its (re)connects."""
        self._client = link.ami
        link.ami_resyncs.append(self.resync)

    def on_fact(self, fact: Fact) -> None:
        """A fact listener of the ACD runtime: agents' status changes move the queue's members."""
        if isinstance(fact, AgentStatusChanged):
            self.agent_status_changed(fact.agent_id, fact.status, fact.reason)

    def restore(self, statuses: Iterable[tuple[str, AgentStatus, str | None]]) -> None:
        """The statuses a restarted engine starts from (agent id, status, reason); sent by the next resync."""
        for agent_id, status, reason in statuses:
            self._want(agent_id, membership_of(status, reason))

    def agent_status_changed(self, agent_id: str, status: AgentStatus, reason: str | None = None) -> None:
        endpoint = self._endpoints.get(agent_id)
        if endpoint is None:
            return
        before = self._wanted.get(agent_id)
        after = membership_of(status, reason)
        self._want(agent_id, after)
        for action in _change(agent_id, endpoint, before, after, self.queue):
            self._submit(action)

    def _want(self, agent_id: str, membership: Membership | None) -> None:
        if agent_id not in self._endpoints:
            return
        if membership is None:
            self._wanted.pop(agent_id, None)
        else:
            self._wanted[agent_id] = membership

    def wanted(self) -> dict[str, tuple[str, Membership]]:
        """Interface -> (agent id, membership) of every member the engine wants."""
        return {self._endpoints[agent_id]: (agent_id, m) for agent_id, m in self._wanted.items()}

    # --- AMI ---------------------------------------------------------------------------------------------
    async def resync(self, client: AmiClient) -> None:
        """At each AMI (re)connect, before events flow: read the queue and send the difference."""
        self._client = client
        try:
            items = await client.send(QueueStatus(queue=self.queue))
        except AmiActionError as exc:
            log.warning("fallback queue not read (QueueStatus refused: %s); members not resynced", exc.message)
            return
        except ConnectionLost:
            return  # the next connect runs this again
        present = [item.member for item in items if isinstance(item, QueueMemberEntry)]
        for action in reconcile(self.wanted(), present, self.queue):
            self._submit(action)

    def _submit(self, action: MemberAction, follow_up: bool = True) -> None:
        client = self._client
        if client is None or not client.connected:
            return  # the resync at the next connect sends what is wanted then
        try:
            reply = client.submit(action)
        except ConnectionLost:
            return
        self.sent += 1
        self._in_flight.add(reply)
        reply.add_done_callback(lambda done: self._answered(action, done, follow_up))

    def _answered(self, action: MemberAction, reply: asyncio.Future[ActionOk], follow_up: bool) -> None:
        self._in_flight.discard(reply)
        if reply.cancelled():
            return
        error = reply.exception()
        if error is None or isinstance(error, ConnectionLost):
            return  # done; or lost with the link, and the next resync covers it
        if not isinstance(error, AmiActionError):
            log.warning("fallback queue: %s failed: %s", action.action_name(), error)
            return
        message = error.message
        if "No such queue" in message:
            log.warning("queue %r does not exist in Asterisk (queues.conf): callers of an engine that is down "
                        "or full reach voicemail only", self.queue)
            return
        if "Already there" in message:
            proven: bool | None = True
        elif "Interface not found" in message or "Not there" in message:
            proven = False
        else:
            proven = None
        if proven is None or not follow_up:
            log.warning("fallback queue: %s for %s refused: %s", action.action_name(), action.interface, message)
            return
        agent_id = self._agent_of.get(action.interface)
        if agent_id is None:
            return
        wanted = self._wanted.get(agent_id)
        # From what the answer proved to what is wanted now. A member's pause is unknown: taken as the opposite
        # of the one wanted, so that it is set.
        held: Membership | None = None
        if proven:
            held = Membership(paused=not wanted.paused) if wanted is not None else Membership(paused=False)
        for step in _change(agent_id, action.interface, held, wanted, self.queue):
            self._submit(step, follow_up=False)

    async def settled(self) -> None:
        """Return once every action sent so far has its answer (follow-ups included)."""
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))
