"""What a PBX event means to the ACD: typed ARI/AMI events in, ACD events (or a new caller) out. Pure.

The agent legs the ACD asks for are originated with `channelId` = the leg id and appArgs
`agent,<call>,<leg>,<agent>`, so every later event names its leg. How each outcome shows on the wire
(Asterisk 22.10.1, ari_outbound_outcomes and NOTES.md):

- an originated leg enters Stasis only once answered (StasisStart) -> AgentLegAnswered;
- ringing shows as ChannelStateChange to Ringing (or Dial RINGING) -> AgentLegRinging;
- a leg that never answered ends with ChannelDestroyed, cause/tech_cause 19/480 no answer, 17/486 busy or
  rejected, 18/408 unreachable, 34/503 congestion -> AgentLegFailed;
- a leg (caller or agent) that was in Stasis ends with StasisEnd -> LegHungUp. Dialplan Stasis() channels
  get no ChannelDestroyed after StasisEnd (NOTES.md ARI 7), so StasisEnd is the one signal for both.

Callback legs (appArgs `callback,<call>,<leg>`) answer and fail the same way -> CallbackAnswered /
CallbackFailed. A caller's DTMF digit -> CallerPressed; the end of an announcement the runtime started
(PlaybackFinished, "done" or "failed") -> AnnouncementEnded; an agent's softphone transfer key
(ChannelTransfer on an answered agent leg, PJSIP_TRANSFER_HANDLING()=ari-only) -> TransferAsked.

Contacts count as reachable when last seen Reachable, or NonQualified where qualify is off (the first
status after a REGISTER is NonQualified even with qualify on: NOTES.md lab 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core.acd.events import (
    AcdEvent,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AnnouncementEnded,
    CallbackAnswered,
    CallbackFailed,
    CallerPressed,
    ContactObserved,
    DeviceStateObserved,
    LegFailure,
    LegHeld,
    LegHungUp,
)
from engine.pbx import ami_events as ami
from engine.pbx import ari_events as ari
from engine.pbx.ami_commands import ContactListItem
from engine.pbx.ari_models import ChannelState, DialStatus

AGENT_ARG = "agent"
CALLBACK_ARG = "callback"
INBOUND_ARG = "inbound"
FEATURE_ARG = "feature"

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


def agent_leg_args(call_id: str, leg_id: str, agent_id: str) -> tuple[str, ...]:
    return (AGENT_ARG, call_id, leg_id, agent_id)


def callback_leg_args(call_id: str, leg_id: str) -> tuple[str, ...]:
    return (CALLBACK_ARG, call_id, leg_id)


@dataclass(slots=True)
class LegBook:
    """The legs the runtime follows, as the translation needs them (kept by the runtime)."""

    offered: set[str] = field(default_factory=set)  # agent legs originated, not answered
    dialing: set[str] = field(default_factory=set)  # callback legs originated, not answered
    answered: set[str] = field(default_factory=set)  # legs in Stasis the ACD follows: callers, answered agents
    agents: set[str] = field(default_factory=set)  # answered agent legs (a transfer key counts only there)
    announcements: dict[str, str] = field(default_factory=dict)  # caller leg -> the announcement playing to it


@dataclass(frozen=True, slots=True)
class TransferAsked:
    """An agent pressed their softphone's transfer key: `destination` is the number they dialled."""

    leg_id: str
    destination: str


@dataclass(frozen=True, slots=True)
class NewCaller:
    """A channel that entered Stasis(app,inbound,<number>): a call the ACD does not know yet."""

    channel_id: str
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


def from_ari(event: ari.AriEvent, legs: LegBook) -> list[Meaning]:
    if isinstance(event, ari.StasisStart):
        return [_stasis_start(event)]
    if isinstance(event, ari.StasisEnd):
        return [LegHungUp(event.channel.id)] if event.channel.id in legs.answered else []
    if isinstance(event, ari.ChannelStateChange):
        ringing = event.channel.state is ChannelState.RINGING and event.channel.id in legs.offered
        return [AgentLegRinging(event.channel.id)] if ringing else []
    if isinstance(event, ari.Dial):
        ringing = event.dialstatus is DialStatus.RINGING and event.peer.id in legs.offered
        return [AgentLegRinging(event.peer.id)] if ringing else []
    if isinstance(event, ari.ChannelDestroyed):
        return _gone(event.channel.id, legs, failure_of(event.cause, event.tech_cause))
    if isinstance(event, ari.ChannelGone):
        return [meaning for leg in event.channel_ids for meaning in _gone(leg, legs, LegFailure.NO_ANSWER)]
    if isinstance(event, ari.ChannelDtmfReceived):
        return [CallerPressed(event.channel.id, event.digit)] if event.channel.id in legs.answered else []
    if isinstance(event, ari.PlaybackFinished):
        kind, _, leg = event.playback.target_uri.partition(":")
        ours = kind == "channel" and legs.announcements.get(leg) == event.playback.id
        return [AnnouncementEnded(leg)] if ours else []
    if isinstance(event, ari.ChannelHold | ari.ChannelUnhold):
        held = isinstance(event, ari.ChannelHold)
        return [LegHeld(event.channel.id, held)] if event.channel.id in legs.answered else []
    if isinstance(event, ari.ChannelTransfer):
        source = event.referred_by.source_channel.id
        destination = _user_part(event.refer_to.requested_destination.destination or "")
        return [TransferAsked(source, destination)] if source in legs.agents and destination else []
    return []


def _gone(leg: str, legs: LegBook, failure: LegFailure) -> list[Meaning]:
    if leg in legs.offered:
        return [AgentLegFailed(leg, failure)]
    if leg in legs.dialing:
        return [CallbackFailed(leg, failure)]
    if leg in legs.answered:
        return [LegHungUp(leg)]
    return []


def _user_part(destination: str) -> str:
    """'1002', 'sip:1002@host' or '<sip:1002@host;user=phone>' -> '1002'."""
    user = destination.strip("<>").removeprefix("sip:").removeprefix("sips:")
    return user.split("@", 1)[0].split(";", 1)[0]


def _stasis_start(event: ari.StasisStart) -> Meaning:
    args, channel = event.args, event.channel
    if len(args) == 4 and args[0] == AGENT_ARG and args[2] == channel.id:
        return AgentLegAnswered(channel.id)
    if len(args) == 3 and args[0] == CALLBACK_ARG and args[2] == channel.id:
        return CallbackAnswered(channel.id)
    if len(args) >= 2 and args[0] == INBOUND_ARG:
        return NewCaller(channel.id, args[1], channel.caller.number, channel.caller.name)
    if len(args) >= 3 and args[0] == FEATURE_ARG:
        return FeatureCode(channel.id, args[1], args[2])
    return StrayChannel(channel.id, args)


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
