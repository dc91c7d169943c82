"""Outbound calls: ARI originate (`POST /channels`), `POST /channels/create` + `/dial`, and their outcomes.

Event sequences, all from transcripts/ari_outbound_outcomes and ari_stasis_flow (NOTES ARI 6,
"Later recordings" 1-4):

originate with `app`: no ChannelCreated; `Dial ""` (peer = the new channel); ringing -> ChannelStateChange
Ringing + `Dial RINGING`; answer -> [Local: ;2 Up] Up + `Dial ANSWER`, then STASISSTATUS "" and StasisStart
(args from appArgs). Unanswered outcomes never reach Stasis:
    PJSIP busy        ChannelHangupRequest 17/486, Dial BUSY, ChannelDestroyed 17 "User busy" 486
    PJSIP congestion  same with 34/503 "Circuit/channel congestion", Dial CONGESTION
    PJSIP timeout     only ChannelDestroyed 19/480 "User alerting, no answer" (no request, no final Dial)
    PJSIP unreachable nothing for 32 s (SIP timer B), then 18/408 "No user responding" + Dial NOANSWER
    Local busy/cong.  ;2 state Busy, Dial BUSY|CONGESTION, ;2 HangupRequest 0, ;1 Destroyed 0 "Unknown",
                      ;2 HangupRequest 16 soft, ;2 Destroyed 17|34 (no tech_cause on Local)
    Local timeout     ;2 HangupRequest 19, ;1 Destroyed 19, ;2 HangupRequest 16 soft, ;2 Destroyed 19
    Local no exten    ;2 Destroyed 0, ;1 Destroyed 0 (the POST still answers 200)
The originating app is subscribed to the new channel (and both Local halves, whose ids are `channelId` and
`otherChannelId` or `<channelId>;2`), so it sees these events and ChannelDestroyed after StasisEnd.

create + dial: the channel enters Stasis at once (STASISSTATUS "", StasisStart state Down); `/dial` ->
`Dial ""` with the dial string, then RINGING/ANSWER with an empty `dialstring`. Busy: HangupRequest
17/486, StasisEnd, STASISSTATUS SUCCESS, Destroyed - no Dial BUSY. Dial timeout: HangupRequest 32 soft,
StasisEnd, Destroyed 19.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pbxsim.model import errors
from pbxsim.model.events import ChannelHangupRequested, DialUpdate
from pbxsim.model.objects import Channel, ChannelState, Dialplan, Party
from pbxsim.model.scheduler import Timer
from pbxsim.model.world import Outcome, Target

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

SIP_TIMER_B = 32.0
DEFAULT_TIMEOUT = 30.0
_OUTGOING = ("AppDial2", "(Outgoing Line)")


@dataclass(eq=False)
class Attempt:
    channel: Channel
    target: Target
    app: str | None
    args: list[str]
    via_dial: bool  # create + dial (already in Stasis) rather than originate
    done: bool = False
    timers: list[Timer] = field(default_factory=list)

    def finish(self) -> None:
        self.done = True
        for timer in self.timers:
            timer.cancel()


def parse_caller_id(text: str | None) -> Party:
    """`Queue <700>` -> ("Queue", "700"); `"A B" <1>`; a bare number -> ("", number)."""
    if not text:
        return Party()
    name, sep, rest = text.partition("<")
    if sep and rest.endswith(">"):
        return Party(name.strip().strip('"'), rest[:-1].strip())
    return Party("", text.strip())


def _new_leg(model: CallModel, target: Target, channel_id: str | None, other_id: str | None, caller: Party) -> Channel:
    if target.tech == "PJSIP":
        assert target.endpoint is not None
        name = model.sequence_name("PJSIP", f"PJSIP/{target.endpoint.resource}")
        return model.new_channel(
            "PJSIP",
            name,
            channel_id,
            caller=caller,
            dialplan=Dialplan(target.context, "s", 1, *_OUTGOING),
            protocol_id=model.random_uuid(),  # the SIP Call-ID (NOTES ARI 5)
            endpoint=target.endpoint.key,
        )
    for cid in (channel_id, other_id):
        if cid is not None and cid in model.channels:
            raise errors.conflict("Channel with given unique ID already exists")
    base = model.sequence_name("Local", f"Local/{target.exten}@{target.context}")
    half1 = model.new_channel(
        "Local", f"{base};1", channel_id, caller=caller, dialplan=Dialplan(target.context, target.exten, 1, *_OUTGOING)
    )
    # NOTES ARI 6: with channelId=agent-leg-1 the other half is "agent-leg-1;2".
    second_id = other_id or (f"{channel_id};2" if channel_id else None)
    half2 = model.new_channel(
        "Local", f"{base};2", second_id, ChannelState.RING, caller, Dialplan(target.context, target.exten, 1)
    )
    half1.peer, half2.peer = half2, half1
    return half1


def originate(
    model: CallModel,
    endpoint: str,
    app: str | None,
    args: list[str],
    channel_id: str | None = None,
    other_id: str | None = None,
    caller_id: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    variables: dict[str, str] | None = None,
) -> Channel:
    target = model.world.resolve(endpoint)
    channel = _new_leg(model, target, channel_id, other_id, parse_caller_id(caller_id))
    channel.dialstring = target.dialstring
    channel.originated_by_app = app is not None
    channel.variables.update(variables or {})
    if app is not None:
        model.stasis.subscribe_channel(app, channel)
        if channel.peer is not None:
            model.stasis.subscribe_channel(app, channel.peer)
    attempt = Attempt(channel, target, app, args, via_dial=False)
    attempt.timers.append(model.later(0, lambda: _begin(model, attempt), channel))
    if timeout > 0:
        attempt.timers.append(model.later(timeout, lambda: _timeout(model, attempt), channel))
    return channel


def create(
    model: CallModel,
    endpoint: str,
    app: str,
    args: list[str],
    channel_id: str | None = None,
    other_id: str | None = None,
    variables: dict[str, str] | None = None,
) -> Channel:
    target = model.world.resolve(endpoint)
    if target.tech == "PJSIP":
        channel = _new_leg(model, target, channel_id, None, Party())
    else:
        # Only the ;1 half exists until /dial (the recorded create shows no ;2 events).
        name = model.sequence_name("Local", f"Local/{target.exten}@{target.context}")
        location = Dialplan(target.context, target.exten, 1)
        channel = model.new_channel("Local", f"{name};1", channel_id, dialplan=location)
    channel.dialstring = target.dialstring
    channel.originated_by_app = True
    channel.variables.update(variables or {})
    channel.dial_target = endpoint
    model.stasis.subscribe_channel(app, channel)
    if not model.enter_stasis(channel, app, args):
        model.destroy(channel, 16)
    return channel


def dial(model: CallModel, channel: Channel, timeout: float = 0) -> None:
    endpoint, channel.dial_target = channel.dial_target, None
    if endpoint is None or channel.state is not ChannelState.DOWN:
        raise errors.conflict("Channel is not in a state where it can be dialed")
    target = model.world.resolve(endpoint)
    attempt = Attempt(channel, target, None, [], via_dial=True)
    attempt.timers.append(model.later(0, lambda: _begin(model, attempt), channel))
    if timeout > 0:
        attempt.timers.append(model.later(timeout, lambda: _timeout(model, attempt), channel))


# --------------------------------------------------------------------------- progress


def _dial_event(model: CallModel, attempt: Attempt, status: str) -> None:
    # After the first event of a create+dial, `dialstring` is empty (ari_outbound_outcomes t=73.812).
    dialstring = attempt.target.dialstring if (status == "" or not attempt.via_dial) else ""
    model.publish(DialUpdate(attempt.channel, None, dialstring, status))


def _begin(model: CallModel, attempt: Attempt) -> None:
    channel, far_end = attempt.channel, attempt.target.far_end
    if channel.destroyed:
        return
    if far_end is None:  # Local to a nonexistent extension: not even `Dial ""` (t=72.301)
        attempt.finish()
        if channel.peer is not None:
            model.destroy(channel.peer, 0)
        model.destroy(channel, 0)
        return
    _dial_event(model, attempt, "")
    outcome = far_end.outcome
    if outcome is Outcome.UNREACHABLE and attempt.target.tech == "PJSIP":
        attempt.timers.append(model.later(SIP_TIMER_B, lambda: _fail(model, attempt, 18, 408, "NOANSWER"), channel))
        return
    immediate_failure = outcome in (Outcome.BUSY, Outcome.CONGESTION) and far_end.ring <= 0
    if not immediate_failure:
        model.set_state(channel, ChannelState.RINGING)
        _dial_event(model, attempt, "RINGING")
    if outcome is Outcome.ANSWER:
        attempt.timers.append(model.later(far_end.ring, lambda: _answered(model, attempt), channel))
    elif outcome is Outcome.BUSY:
        attempt.timers.append(model.later(far_end.ring, lambda: _fail(model, attempt, 17, 486, "BUSY"), channel))
    elif outcome is Outcome.CONGESTION:
        congested = model.later(far_end.ring, lambda: _fail(model, attempt, 34, 503, "CONGESTION"), channel)
        attempt.timers.append(congested)


def _answered(model: CallModel, attempt: Attempt) -> None:
    channel = attempt.channel
    if attempt.done or channel.destroyed:
        return
    attempt.finish()
    if channel.peer is not None:
        model.set_state(channel.peer, ChannelState.UP)
    model.set_state(channel, ChannelState.UP)
    _dial_event(model, attempt, "ANSWER")
    if not attempt.via_dial and attempt.app is not None and not model.enter_stasis(channel, attempt.app, attempt.args):
        model.far_end_hangup(channel, 16)
        return
    talk = attempt.target.far_end.talk if attempt.target.far_end is not None else None
    if talk is not None:
        far = channel.peer if channel.peer is not None else channel
        model.later(talk, lambda: model.far_end_hangup(far, 16), channel)


def _fail(model: CallModel, attempt: Attempt, cause: int, tech_cause: int, status: str) -> None:
    channel = attempt.channel
    if attempt.done or channel.destroyed:
        return
    attempt.finish()
    if attempt.via_dial:
        model.far_end_hangup(channel, cause, tech_cause if channel.tech == "PJSIP" else None)
        return
    peer = channel.peer
    if peer is None:
        model.publish(ChannelHangupRequested(channel, cause, tech_cause=tech_cause))
        _dial_event(model, attempt, status)
        model.destroy(channel, cause, tech_cause)
        return
    model.set_state(peer, ChannelState.BUSY)
    _dial_event(model, attempt, status)
    model.publish(ChannelHangupRequested(peer, 0))
    model.destroy(channel, 0)
    model.publish(ChannelHangupRequested(peer, 16, soft=True))
    model.end(peer, cause)


def _timeout(model: CallModel, attempt: Attempt) -> None:
    channel = attempt.channel
    if attempt.done or channel.destroyed:
        return
    attempt.finish()
    if attempt.via_dial:
        model.hangup(channel, 19)
        return
    peer = channel.peer
    if peer is None:
        model.destroy(channel, 19, 480)
        return
    model.publish(ChannelHangupRequested(peer, 19))
    model.destroy(channel, 19)
    model.publish(ChannelHangupRequested(peer, 16, soft=True))
    model.end(peer, 19)
