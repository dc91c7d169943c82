"""Answering-machine detection as app_amd runs it in the dialplan, and the extensions pbxsim knows to run.

An originate without an app (ARI `context`/`extension`, AMI `Context`/`Exten`) sends the answered channel
into the dialplan (`run_extension`). pbxsim executes no dialplan, but knows two kinds of extension:
* `World.dialplan_stasis[(context, exten)] = (app, args)`: `Stasis(app,args...)`;
* `World.amd_extensions[(context, exten)] = AmdExtension(app, fallback_queue)`: what dialplans/outbound.conf
  [outbound-amd] and the lab's [amd-test] run - `NoOp`, `AMD()`, `NoOp`, `Stasis(app,amd,${AMDSTATUS},
  ${AMDCAUSE})`, then on STASISSTATUS=FAILED either `Hangup()` or (outbound.conf) a person to
  `Queue(<fallback_queue>)` (app_queue: music on hold, its members rung) and a machine hung up on.

What AMD() concludes is the far end's business: `FarEnd.amd`, an `AmdVerdict` (AMDSTATUS, AMDCAUSE and the
seconds from answer to the result). Recorded on Asterisk 22.10.1 with the sample amd.conf (NOTES AMD 7;
ari_amd.side_ami, Newstate Up of the AMD channel -> VarSet AMDSTATUS): a 5.7 s prompt MACHINE/MAXWORDS-3-2
after 1.663 s, "hello" HUMAN/HUMAN-800-800 after 1.944 s, "hello world" the same after 2.623 s, silence frames
MACHINE/INITIALSILENCE-2500-2500 after 2.982 s, no frames at all NOTSURE/TOOLONG-4900 after 5.009 s, a far end
hanging up at once HANGUP after 0.501 s. A far end that names no verdict sends no audio - pbxsim's far ends
carry none - so it gets NOTSURE.

Event order, as recorded (ari_amd.ws.jsonl and .side_ami, the app subscribed to the AMD channel):
* verdict: ChannelVarset AMDSTATUS, AMDCAUSE, then STASISSTATUS "" and StasisStart args
  ["amd", AMDSTATUS, AMDCAUSE];
* the far end hangs up during detection: [Local: the ;2 half's own Hangup(), SoftHangupRequest 16]
  ChannelHangupRequest 16 (no soft) on the AMD channel, [;2 destroyed], AMDSTATUS HANGUP, AMDCAUSE **empty**,
  and the dialplan ends there: no StasisStart;
* a channel running dialplan gets a last `{"cause":16,"soft":true}` request when its dialplan ends, before it
  is destroyed (Asterisk's PBX loop soft-hangs it up on the way out): after the HANGUP verdict, and after
  StasisEnd + STASISSTATUS SUCCESS when the app DELETEs it. `Channel.runs_dialplan` marks such channels
  (`CallModel.end` adds the request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pbxsim.model.events import ChannelHangupRequested
from pbxsim.model.objects import Channel, Dialplan
from pbxsim.model.world import Fallback, FarEnd

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel


@dataclass(frozen=True, slots=True)
class AmdVerdict:
    status: str  # AMDSTATUS: HUMAN, MACHINE, NOTSURE, HANGUP
    cause: str  # AMDCAUSE ("" with HANGUP)
    seconds: float  # from answer to the result

    @property
    def hangs_up(self) -> bool:
        return self.status == "HANGUP"


# The recorded verdicts (see the module docstring), by what the far end does after answering.
LONG_GREETING = AmdVerdict("MACHINE", "MAXWORDS-3-2", 1.663)
SHORT_GREETING = AmdVerdict("HUMAN", "HUMAN-800-800", 1.944)
TWO_WORDS = AmdVerdict("HUMAN", "HUMAN-800-800", 2.623)
SILENCE = AmdVerdict("MACHINE", "INITIALSILENCE-2500-2500", 2.982)
NO_AUDIO = AmdVerdict("NOTSURE", "TOOLONG-4900", 5.009)
HANGS_UP = AmdVerdict("HANGUP", "", 0.501)


@dataclass(frozen=True, slots=True)
class AmdExtension:
    app: str  # Stasis(app,amd,...)
    fallback_queue: str | None = None  # None: Hangup() when Stasis fails


def run_extension(model: CallModel, channel: Channel, location: Dialplan, far_end: FarEnd | None) -> None:
    """The answered channel of an originate without an app goes to `location` (see the module docstring)."""
    channel.dialplan = Dialplan(location.context, location.exten, location.priority)
    channel.runs_dialplan = True
    world = model.world
    extension = world.amd_extensions.get((location.context, location.exten))
    if extension is not None:
        verdict = far_end.amd if far_end is not None and far_end.amd is not None else NO_AUDIO
        start(model, channel, extension, verdict)
        return
    stasis = world.dialplan_stasis.get((location.context, location.exten))
    if stasis is not None:
        model.enter_stasis(channel, stasis[0], list(stasis[1]))


def start(model: CallModel, channel: Channel, extension: AmdExtension, verdict: AmdVerdict) -> None:
    """`AMD()` on `channel` (priority 2 of the extension it is in); the result after `verdict.seconds`."""
    channel.runs_dialplan = True
    channel.dialplan = Dialplan(channel.dialplan.context, channel.dialplan.exten, 2, "AMD", "")
    model.later(verdict.seconds, lambda: _detected(model, channel, extension, verdict), channel)


def _detected(model: CallModel, channel: Channel, extension: AmdExtension, verdict: AmdVerdict) -> None:
    if channel.hangup_requested or channel.stasis_app is not None:
        return
    if verdict.hangs_up:
        _far_end_left(model, channel)
    model.set_var(channel, "AMDSTATUS", verdict.status)
    model.set_var(channel, "AMDCAUSE", verdict.cause)
    if verdict.hangs_up:
        model.end(channel, 16)  # the dialplan ends with AMD(): the PBX loop's last soft request (runs_dialplan)
        return
    context, exten = channel.dialplan.context, channel.dialplan.exten
    channel.dialplan = Dialplan(context, exten, 4)
    args = ["amd", verdict.status, verdict.cause]
    if model.enter_stasis(channel, extension.app, args):
        return
    if extension.fallback_queue is None or verdict.status == "MACHINE":
        model.end(channel, 16)  # Hangup() (outbound.conf: GotoIf(MACHINE ?done) -> Hangup())
        return
    model.world.fallbacks.append(Fallback(channel.id, extension.app, tuple(args), model.now(), "Queue"))
    channel.dialplan = Dialplan(context, exten, 7, "Queue", f"{extension.fallback_queue},,,,120")
    model.world.run_app(channel, "Queue", channel.dialplan.app_data)


def _far_end_left(model: CallModel, channel: Channel) -> None:
    """The far end hung up while AMD listened (ari_amd.side_ami t=23.113): a Local ;2 half runs its own
    Hangup() and goes first; the AMD channel sees a plain hangup request and is kept for the verdict."""
    peer = channel.peer
    if peer is not None and not peer.destroyed:
        peer.runs_dialplan = False  # its Hangup(): the PBX's soft request, published here first as recorded
        model.publish(ChannelHangupRequested(peer, 16, soft=True))
        model.publish(ChannelHangupRequested(channel, 16))
        channel.hangup_requested = True  # so tearing the ;2 half down does not take this half with it
        model.end(peer, 16)
        return
    model.publish(ChannelHangupRequested(channel, 16))
    channel.hangup_requested = True
