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
`otherChannelId` or `<channelId>;2`), so it sees these events and ChannelDestroyed after StasisEnd. A far end
that answers (or fails) at once does not ring: no Ringing state, no `Dial RINGING` (ari_amd.side_ami).

originate without `app` (ARI context/extension/priority, AMI Context/Exten/Priority): no app is subscribed
and nothing of the dial reaches ARI; once answered the channel goes to that dialplan location
(`pbxsim.model.amd.run_extension`: AMD() then Stasis(), Stasis(), or it just sits there).

dialplan Stasis: an originate (AMI, usually) of Local/<exten>@<context> where the world's dialplan runs
`Stasis(app,args)` for that extension (`World.dialplan_stasis`) - how the recorded runs placed inbound calls
(ari_ws_reconnect.side_ami, ari_stasis_flow.trigger_ami). `Dial ""`, the ;2 half enters Stasis in state Ring,
and the dial is answered when the app answers that half (;2 and ;1 Up, `Dial ANSWER`, the ;1 goes on to the
originate's context). If Stasis() fails: with no fallback the ;2 half's dialplan ends (its PBX's soft 16),
the ;1 is asked to hang up (16) and its dial ends NOANSWER, both die with 16 (t=3.858); with a fallback
(`World.stasis_fallbacks`, [inbound]: Answer(), Queue(support)) the pair is answered and the ;2 half joins the
queue with music on hold (t=13.059; pbxsim.model.queues rings its members).

create + dial: the channel enters Stasis at once (STASISSTATUS "", StasisStart state Down); `/dial` ->
`Dial ""` with the dial string, then RINGING/ANSWER with an empty `dialstring`. Busy: HangupRequest
17/486, StasisEnd, STASISSTATUS SUCCESS, Destroyed - no Dial BUSY. Dial timeout: HangupRequest 32 soft,
StasisEnd, Destroyed 19.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pbxsim.model import errors
from pbxsim.model.amd import run_extension
from pbxsim.model.events import ChannelHangupRequested, DialUpdate
from pbxsim.model.objects import Channel, ChannelState, Dialplan, Party
from pbxsim.model.scheduler import Timer
from pbxsim.model.world import Fallback, Outcome, Target

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
        self.channel.pending_dial = None
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


def new_leg(model: CallModel, target: Target, channel_id: str | None, other_id: str | None, caller: Party) -> Channel:
    """The channel a dial creates for `target` (a Local pair's ;1 half); also app_queue's leg to a member."""
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
    half2.runs_dialplan = True  # it runs the extension dialled
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
    location: Dialplan | None = None,
) -> Channel:
    """Dial `endpoint`; once answered the channel enters Stasis(`app`, args) or, without an app, goes to the
    dialplan `location` (ARI context/extension/priority, AMI Context/Exten/Priority: pbxsim.model.amd)."""
    target = model.world.resolve(endpoint)
    channel = new_leg(model, target, channel_id, other_id, parse_caller_id(caller_id))
    channel.dialstring = target.dialstring
    channel.originated_by_app = app is not None
    channel.on_answer = location if app is None else None
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
        channel = new_leg(model, target, channel_id, None, Party())
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
    target = attempt.target
    route = model.world.dialplan_stasis.get((target.context, target.exten))
    if far_end is None and route is not None and channel.peer is not None:
        _into_dialplan_stasis(model, attempt, channel.peer, route)
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
    # A far end that answers or fails at once never rings: ext 300 / park-wait / amd-test far ends start with
    # Answer() and show Newstate Up with no Ringing before it (ami_mixmonitor t=0.304, ari_amd.side_ami t=0.815).
    at_once = outcome in (Outcome.ANSWER, Outcome.BUSY, Outcome.CONGESTION) and far_end.ring <= 0
    if not at_once:
        model.set_state(channel, ChannelState.RINGING)
        _dial_event(model, attempt, "RINGING")
    if outcome is Outcome.ANSWER:
        attempt.timers.append(model.later(far_end.ring, lambda: _answered(model, attempt), channel))
    elif outcome is Outcome.BUSY:
        attempt.timers.append(model.later(far_end.ring, lambda: _fail(model, attempt, 17, 486, "BUSY"), channel))
    elif outcome is Outcome.CONGESTION:
        congested = model.later(far_end.ring, lambda: _fail(model, attempt, 34, 503, "CONGESTION"), channel)
        attempt.timers.append(congested)


STASIS_PRIORITY = 2  # [inbound] / [from-caller] 200: 1 NoOp, 2 Stasis(...), 3 on (etc/extensions.conf)


@dataclass(eq=False)
class _StasisAnswer:
    """The dial of a ;1 whose ;2 half waits in Stasis: answered by the app, or abandoned when the app hangs
    the pair up first (ari_ws_reconnect.side_ami t=18.071: Hangup ;2, `DialEnd NOANSWER`, Hangup ;1)."""

    model: CallModel
    attempt: Attempt

    def answered(self) -> None:
        _answered(self.model, self.attempt)

    def abandoned(self) -> None:
        if not self.attempt.done:
            self.attempt.finish()
            _dial_event(self.model, self.attempt, "NOANSWER")


def _into_dialplan_stasis(
    model: CallModel, attempt: Attempt, half2: Channel, route: tuple[str, tuple[str, ...]]
) -> None:
    """The ;2 half of an originated Local pair runs Stasis() from the dialplan (module docstring)."""
    channel, target = attempt.channel, attempt.target
    _dial_event(model, attempt, "")
    app, args = route
    half2.dialplan = Dialplan(target.context, target.exten, STASIS_PRIORITY)
    if model.enter_stasis(half2, app, list(args)):
        channel.pending_dial = _StasisAnswer(model, attempt)
        return
    fallback = model.world.stasis_fallbacks.get((target.context, target.exten))
    model.world.fallbacks.append(Fallback(half2.id, app, args, model.now(), fallback[0] if fallback else "Hangup"))
    if fallback is not None:
        half2.dialplan = Dialplan(target.context, target.exten, STASIS_PRIORITY + 1, *fallback)
        model.answer(half2)
        _answered(model, attempt)
        model.world.run_app(half2, *fallback)
        return
    attempt.finish()
    half2.runs_dialplan = False  # its Hangup(): the PBX's soft request, here to keep the recorded order
    model.publish(ChannelHangupRequested(half2, 16, soft=True))
    model.publish(ChannelHangupRequested(channel, 16))
    _dial_event(model, attempt, "NOANSWER")
    channel.hangup_requested = True  # goes down after its other half, not with it
    model.end(half2, 16)
    model.destroy(channel, 16)


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
    if not attempt.via_dial and channel.on_answer is not None:
        run_extension(model, channel, channel.on_answer, attempt.target.far_end)
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
    model.end(peer, cause)  # with its PBX's soft 16 (runs_dialplan)


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
    model.end(peer, 19)  # with its PBX's soft 16 (runs_dialplan)
