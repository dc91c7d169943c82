"""What a PBX event means to the engine: typed ARI/AMI events in, domain events (or a new caller) out.

Which leg an event is about, and what stage it is at, is read from the core's call book (engine/core/calls.py);
what a channel entering the app is, from the Stasis-argument registry (stasis.py).

The agent legs the ACD asks for are originated with `channelId` = the leg id and appArgs
`agent,<call>,<leg>,<agent>`, so every later event names its leg. How each outcome shows on the wire
(Asterisk 22.10.1, ari_outbound_outcomes and NOTES.md):

- an originated leg enters Stasis only once answered (StasisStart) -> AgentLegAnswered;
- ringing shows as ChannelStateChange to Ringing (or Dial RINGING) -> AgentLegRinging;
- a leg that never answered ends with ChannelDestroyed, cause/tech_cause 19/480 no answer, 17/486 busy or
  rejected, 18/408 unreachable, 34/503 congestion -> AgentLegFailed;
- a leg (caller or agent) that was in Stasis ends with StasisEnd -> LegHungUp. Dialplan Stasis() channels
  get no ChannelDestroyed after StasisEnd (NOTES.md ARI 7), so StasisEnd is the one signal for both.

Callback legs (appArgs `callback,<call>,<leg>`) answer and fail the same way -> CallbackLegAnswered /
CallbackLegFailed. A caller's DTMF digit -> CallerPressed; the end of an announcement the runtime started
(PlaybackFinished, "done" or "failed") -> AnnouncementEnded; an agent's softphone transfer key
(ChannelTransfer on an answered agent leg, PJSIP_TRANSFER_HANDLING()=ari-only) -> TransferAsked.

Contacts count as reachable when last seen Reachable, or NonQualified where qualify is off (the first
status after a REGISTER is NonQualified even with qualify on: NOTES.md lab 9).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.acd.events import (
    AcdEvent,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AnnouncementEnded,
    CallbackLegAnswered,
    CallbackLegFailed,
    CallerPressed,
    ContactObserved,
    DeviceStateObserved,
    LegFailure,
    LegHeld,
    LegHungUp,
)
from engine.core.calls import CallBook, LegRole, LegStage
from engine.core.ids import LegId
from engine.edge import stasis
from engine.pbx import ami_events as ami
from engine.pbx import ari_events as ari
from engine.pbx.ami_commands.list_items import ContactListItem
from engine.pbx.ari_models import Channel, ChannelState, DialStatus

_REACHABLE = {ami.ContactStatusValue.REACHABLE, ami.ContactStatusValue.NON_QUALIFIED}
_GONE = {ami.ContactStatusValue.UNREACHABLE, ami.ContactStatusValue.REMOVED}

_BY_TECH_CAUSE = {480: LegFailure.NO_ANSWER, 486: LegFailure.BUSY, 603: LegFailure.BUSY, 408: LegFailure.UNREACHABLE,
                  503: LegFailure.CONGESTION}
_BY_CAUSE = {19: LegFailure.NO_ANSWER, 18: LegFailure.UNREACHABLE, 17: LegFailure.BUSY, 21: LegFailure.BUSY,
             34: LegFailure.CONGESTION, 38: LegFailure.CONGESTION}


def failure_of(cause: int, tech_cause: int | None) -> LegFailure:
    if tech_cause is not None and tech_cause in _BY_TECH_CAUSE:
        return _BY_TECH_CAUSE[tech_cause]
    return _BY_CAUSE.get(cause, LegFailure.NO_ANSWER)


@dataclass(frozen=True, slots=True)
class TransferAsked:
    """An agent pressed their softphone's transfer key: `destination` is the number they dialled."""

    leg_id: LegId
    destination: str


@dataclass(frozen=True, slots=True)
class NewCaller:
    """A channel that entered Stasis(app,inbound,<number>): a call the engine does not know yet."""

    channel_id: LegId
    number: str
    caller_number: str
    caller_name: str


@dataclass(frozen=True, slots=True)
class FeatureCode:
    """An agent dialled a feature code (*91 ready, *92 break, *93 logout) from their softphone."""

    channel_id: str
    code: str
    endpoint: str


@dataclass(frozen=True, slots=True)
class StrayChannel:
    """A channel in Stasis that no call explains (unknown appArgs, a finished call): hang it up."""

    channel_id: str
    args: tuple[str, ...]


Meaning = AcdEvent | NewCaller | FeatureCode | StrayChannel | TransferAsked
"""What a channel entering the app is, by its Stasis arguments (or None: a stray)."""
Arrival = AgentLegAnswered | CallbackLegAnswered | NewCaller | FeatureCode


def _inbound(channel: Channel, args: tuple[str, ...]) -> Arrival | None:
    return NewCaller(LegId(channel.id), args[1], channel.caller.number, channel.caller.name) if len(args) >= 2 \
        else None


def _agent(channel: Channel, args: tuple[str, ...]) -> Arrival | None:
    return AgentLegAnswered(LegId(channel.id)) if len(args) == 4 and args[2] == channel.id else None


def _callback(channel: Channel, args: tuple[str, ...]) -> Arrival | None:
    return CallbackLegAnswered(LegId(channel.id)) if len(args) == 3 and args[2] == channel.id else None


def _feature(channel: Channel, args: tuple[str, ...]) -> Arrival | None:
    return FeatureCode(channel.id, args[1], args[2]) if len(args) >= 3 else None


def inbound_kinds() -> stasis.StasisRegistry[Arrival]:
    """The kinds of channel the inbound ACD brings into the app."""
    registry: stasis.StasisRegistry[Arrival] = stasis.StasisRegistry()
    registry.register(stasis.INBOUND, _inbound)
    registry.register(stasis.AGENT, _agent)
    registry.register(stasis.CALLBACK, _callback)
    registry.register(stasis.FEATURE, _feature)
    return registry


class PbxTranslator:
    """Reads the wire against the book: only legs the engine follows give domain events."""

    def __init__(self, book: CallBook, kinds: stasis.StasisRegistry[Arrival]) -> None:
        self._book = book
        self._kinds = kinds

    def _stage(self, leg_id: str, role: LegRole | None = None) -> LegStage | None:
        leg = self._book.leg(leg_id)
        if leg is None or (role is not None and leg.role is not role):
            return None
        return leg.stage

    def from_ari(self, event: ari.AriEvent) -> list[Meaning]:
        if isinstance(event, ari.StasisStart):
            meaning = self._kinds.meaning(event.channel, event.args)
            return [meaning if meaning is not None else StrayChannel(event.channel.id, event.args)]
        if isinstance(event, ari.StasisEnd):
            up = self._stage(event.channel.id) is LegStage.UP
            return [LegHungUp(LegId(event.channel.id))] if up else []
        if isinstance(event, ari.ChannelStateChange):
            ringing = event.channel.state is ChannelState.RINGING and self._offered(event.channel.id)
            return [AgentLegRinging(LegId(event.channel.id))] if ringing else []
        if isinstance(event, ari.Dial):
            ringing = event.dialstatus is DialStatus.RINGING and self._offered(event.peer.id)
            return [AgentLegRinging(LegId(event.peer.id))] if ringing else []
        if isinstance(event, ari.ChannelDestroyed):
            return self._gone(event.channel.id, failure_of(event.cause, event.tech_cause))
        if isinstance(event, ari.ChannelGone):
            return [meaning for leg in event.channel_ids for meaning in self._gone(leg, LegFailure.NO_ANSWER)]
        if isinstance(event, ari.ChannelDtmfReceived):
            up = self._stage(event.channel.id) is LegStage.UP
            return [CallerPressed(LegId(event.channel.id), event.digit)] if up else []
        if isinstance(event, ari.PlaybackFinished):
            kind, _, leg_id = event.playback.target_uri.partition(":")
            leg = self._book.leg(leg_id) if kind == "channel" else None
            ours = leg is not None and leg.playback == event.playback.id
            return [AnnouncementEnded(LegId(leg_id))] if ours else []
        if isinstance(event, ari.ChannelHold | ari.ChannelUnhold):
            held = isinstance(event, ari.ChannelHold)
            up = self._stage(event.channel.id) is LegStage.UP
            return [LegHeld(LegId(event.channel.id), held)] if up else []
        if isinstance(event, ari.ChannelTransfer):
            source = event.referred_by.source_channel.id
            destination = _user_part(event.refer_to.requested_destination.destination or "")
            agent_up = self._stage(source, LegRole.AGENT) is LegStage.UP
            return [TransferAsked(LegId(source), destination)] if agent_up and destination else []
        return []

    def _offered(self, leg_id: str) -> bool:
        return self._stage(leg_id, LegRole.AGENT) is LegStage.DIALING

    def _gone(self, leg_id: str, failure: LegFailure) -> list[Meaning]:
        leg = self._book.leg(leg_id)
        if leg is None:
            return []
        if leg.stage is LegStage.UP:
            return [LegHungUp(leg.leg_id)]
        if leg.role is LegRole.AGENT:
            return [AgentLegFailed(leg.leg_id, failure)]
        if leg.role is LegRole.CALLBACK:
            return [CallbackLegFailed(leg.leg_id, failure)]
        return []


def _user_part(destination: str) -> str:
    """'1002', 'sip:1002@host' or '<sip:1002@host;user=phone>' -> '1002'."""
    user = destination.strip("<>").removeprefix("sip:").removeprefix("sips:")
    return user.split("@", 1)[0].split(";", 1)[0]


def from_ami(event: ami.AmiStreamItem) -> list[AcdEvent]:
    if isinstance(event, ami.DeviceStateChange):
        return [DeviceStateObserved(event.device, event.state)]
    if isinstance(event, ami.ContactStatus):
        return _contact(event.endpoint_name or event.aor, event.status)
    if isinstance(event, ContactListItem):
        return _contact(event.endpoint, event.status)
    return []


def _contact(endpoint: str, status: ami.ContactStatusValue) -> list[AcdEvent]:
    if status in _REACHABLE:
        return [ContactObserved(f"PJSIP/{endpoint}", reachable=True)]
    if status in _GONE:
        return [ContactObserved(f"PJSIP/{endpoint}", reachable=False)]
    return []
