"""SIP callers into Stasis, and what `continue` / `redirect` do to a channel (transcripts/ari_continue_redirect).

`place_sip_inbound()` is the recorded "SIP caller": AMI Originate PJSIP/200@loop, i.e. Asterisk calling
itself over the `loop` endpoint. Two PJSIP channels share one Call-ID (`protocol_id`): the calling leg
(`PJSIP/loop-0000001d`, running the originate's dialplan, e.g. park-wait,s,2 Wait(120)) and the called leg
(`PJSIP/loop-0000001e`, from-caller,200,2 Stasis(callcenter), state Ring). They are each other's `peer`: an
answer on one answers the other (200 OK), a hangup hangs up the other (BYE) - DELETE of the called leg made
the calling leg 404 a millisecond later (t=34.949 / 34.953).

`redirect()` (NOTES 17): on a Local channel 204 and nothing happens ("Unsupported transfer requested"); on
an answered PJSIP channel a REFER: 204, nothing on ARI, the channel stays in Stasis (t=23.938 .. 34.946);
on an unanswered PJSIP channel a 302: ChannelHangupRequest {cause 23, tech_cause 302}, StasisEnd, no
ChannelDestroyed (t=17.926); the calling side follows the 302 as `Local/<user>@<its endpoint's context>`
(GET /channels t=22.929: Local/cust-5550003@from-caller ;1 in the originate's dialplan, ;2 in the
dialplan, both Up; the calling PJSIP leg is gone).

`continue_in_dialplan()` (NOTES 16): StasisEnd, then the dialplan at (context, exten, priority). Into an
extension running Stasis at a priority at or after the one continued to: StasisEnd immediately followed by
StasisStart (t=13.400). Past that priority ("no parameters -> next priority", from-caller,200,3 is
Hangup() on the lab box): StasisEnd, then the channel is hung up without further events to the app
(t=13.904). Nonexistent context: the same (t=15.414; GET 2 s later 404). A label: 404 "Requested label can not
be found" unless the world knows it for that context (`World.labels`; t=13.397), then `continue_to_label()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbxsim.model.objects import Channel, ChannelState, Dialplan, Party
from pbxsim.model.world import LabelledStep, Outcome

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

STASIS_PRIORITY = 2  # [from-caller] 200: 1 NoOp, 2 Stasis(callcenter), 3 Hangup (every recorded StasisStart)


def place_sip_inbound(
    model: CallModel,
    app: str,
    args: list[str],
    endpoint: str = "loop",
    exten: str = "200",
    caller: Party | None = None,
    calling_dialplan: Dialplan | None = None,
) -> Channel:
    """A SIP call over `endpoint` into `Stasis(app,args...)`; returns the called leg (in Stasis if the app is
    active). `calling_dialplan`: what the calling leg runs once answered (default park-wait,s,2 Wait 120)."""
    ep = model.world.endpoints[f"PJSIP/{endpoint}"]
    party = caller if caller is not None else Party("Caller", "5551000")
    call_id = model.random_uuid()
    dialplan = calling_dialplan or Dialplan("park-wait", "s", 2, "Wait", "120")
    calling = model.new_channel(
        "PJSIP", model.sequence_name("PJSIP", f"PJSIP/{endpoint}"), state=ChannelState.RINGING, caller=party,
        dialplan=dialplan, protocol_id=call_id, endpoint=ep.key,
    )  # fmt: skip
    called = model.new_channel(
        "PJSIP", model.sequence_name("PJSIP", f"PJSIP/{endpoint}"), state=ChannelState.RING, caller=party,
        dialplan=Dialplan(ep.context, exten, STASIS_PRIORITY), protocol_id=call_id, endpoint=ep.key,
    )  # fmt: skip
    called.connected = Party()  # recorded: the called leg's connected line is empty until something sets it
    calling.peer, called.peer = called, calling
    model.enter_stasis(called, app, args)
    return called


def redirect(model: CallModel, channel: Channel, endpoint: str) -> None:
    """After the ARI layer validated `endpoint` (tech matches the channel's); see the module docstring."""
    if channel.tech != "PJSIP" or channel.state is ChannelState.UP:
        return  # Local: unsupported; answered PJSIP: REFER, which the recorded far end refused silently
    user = endpoint.partition("/")[2].removeprefix("sip:").partition("@")[0]
    calling = channel.peer
    channel.peer = None
    model.far_end_hangup(channel, 23, tech_cause=302)
    if calling is not None and not calling.destroyed:
        calling.peer = None
        _follow_302(model, calling, user)


def _follow_302(model: CallModel, calling: Channel, user: str) -> None:
    """The calling leg is replaced by `Local/<user>@<context>`; ;1 takes over its dialplan."""
    context = model.world.endpoints[calling.endpoint].context if calling.endpoint in model.world.endpoints else ""
    target = model.world.resolve(f"Local/{user}@{context}")
    base = model.sequence_name("Local", f"Local/{user}@{context}")
    half1 = model.new_channel("Local", f"{base};1", state=ChannelState.RINGING, dialplan=calling.dialplan)
    half2 = model.new_channel("Local", f"{base};2", state=ChannelState.RING, dialplan=Dialplan(context, user, 1))
    half1.peer, half2.peer = half2, half1
    half2.runs_dialplan = True
    model.destroy(calling, 16)
    far_end = target.far_end
    if far_end is None:
        model.far_end_hangup(half2, 1)
    elif far_end.outcome is Outcome.ANSWER:
        model.later(far_end.ring, lambda: model.answer(half2), half2)
    elif far_end.outcome is not Outcome.NOANSWER:
        model.later(far_end.ring, lambda: model.far_end_hangup(half2, 17), half2)


def continue_to_label(model: CallModel, channel: Channel, context: str, exten: str, step: LabelledStep) -> None:
    """Continue at a label the world knows (`World.labels`): StasisEnd, the labelled Answer(), then its
    application - for the shipped `inbound` label `fallback`, app_queue's Queue(fallback) (pbxsim.model.queues)."""
    model.leave_stasis(channel)
    channel.dialplan.context, channel.dialplan.exten, channel.dialplan.priority = context, exten, step.priority
    channel.dialplan.app_name, channel.dialplan.app_data = "Answer", ""
    channel.runs_dialplan = True
    if channel.state is not ChannelState.UP:
        model.answer(channel)
    channel.dialplan.priority = step.priority + 1
    model.world.run_app(channel, step.app, step.data)


def continue_in_dialplan(model: CallModel, channel: Channel, context: str, exten: str, priority: int) -> None:
    model.leave_stasis(channel)
    channel.dialplan.context, channel.dialplan.exten, channel.dialplan.priority = context, exten, priority
    world = model.world
    route = world.dialplan_stasis.get((context, exten))
    if route is not None and priority <= STASIS_PRIORITY:
        channel.dialplan.priority = STASIS_PRIORITY
        model.enter_stasis(channel, route[0], list(route[1]))
    elif route is not None or context not in world.contexts:
        model.far_end_hangup(channel, 16)  # Hangup() / no such context: the app, out of Stasis, sees nothing
