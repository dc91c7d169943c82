"""`Action: Originate` - sync and async - over the call model's dialing, with OriginateResponse.

Checks in manager.c action_originate() order (ami_misc_and_errors): no Channel -> "Channel not specified";
bad Timeout -> "Invalid timeout"; no "/" in Channel -> "Invalid channel"; neither Application nor
Exten+Context+Priority -> "Originate with 'Exten' requires 'Context' and 'Priority'".

The call is dialled by `pbxsim.model.dialing.originate` (the ARI originate, without an app), so the far ends
of `world` decide the outcome. `OriginateJob` watches the originated channel on the bus (`AmiCalls.watchers`):
* `Dial ANSWER` -> success, `Reason: 4`, the real Channel and Uniqueid; then the channel runs the Application
  (Playback: the sound, then hang up with **Cause 0**, ami_outbound_outcomes t=3.755; Wait: Data seconds, then
  the same, ami_mixmonitor t=30.306; anything else runs until hung up) or goes to Context/Exten/Priority (the
  model runs the extensions it knows: Stasis(), AMD() then Stasis(); pbxsim.model.amd).
* the channel (or its Local ;2 half) asked to hang up, or destroyed, before answer -> failure: the dial string
  as given and `Uniqueid: <unknown>`; `Reason` by channel type (NOTES "Later recordings" 5): 3 for no answer
  (cause 19, both types), Local busy 5 / congestion 8, everything else 0 (SIP busy, congestion, 408).
* an allocation failure (unknown endpoint, no contact) -> failure Reason 0 at once, no Newchannel.
Async: `Response: Success / Message: Originate successfully queued` first, then the OriginateResponse event
(class call; ActionID echoed only when sent, NOTES AMI 3). Sync: the response waits for the outcome -
"Originate successfully queued" or `Response: Error / Message: Originate failed`.

Variables (`Variable: A=1` headers, or `A=1,B=2`) are set on the new channel(s) right after they appear
(VarSet after Newchannel, before DialBegin, as recorded); CallerID is applied after Newchannel too, which shows
`<unknown>` ids as recorded (the NewCallerid event that follows on Asterisk is not simulated).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pbxsim.ami.base import Action, ActionContext, After, response
from pbxsim.ami.bus import AmiCalls
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.events import event
from pbxsim.ami.session import EventFlag
from pbxsim.model import ModelError
from pbxsim.model import events as ev
from pbxsim.model.dialing import originate, parse_caller_id
from pbxsim.model.objects import Channel, Dialplan, Party

DEFAULT_TIMEOUT_MS = 30000
SUCCESS, NO_ANSWER, FAILED, BUSY, CONGESTION = 4, 3, 0, 5, 8


class OriginateJob:
    """One originate in flight; `done(reason, channel)` reports its outcome exactly once."""

    def __init__(
        self, calls: AmiCalls, channel: Channel, application: str, data: str,
        done: Callable[[int, Channel | None], None],
    ) -> None:  # fmt: skip
        self.calls, self.channel = calls, channel
        self.application, self.data = application, data
        self._done = done
        self.status = ""
        self.answered = False
        self.finished = False
        for leg in (channel, channel.peer):
            if leg is not None:
                calls.watchers[leg.id] = self.on_event

    def on_event(self, model_event: ev.ModelEvent) -> None:
        if isinstance(model_event, ev.DialUpdate):
            self.status = model_event.status
            if model_event.status == "ANSWER" and not self.answered:
                self.answered = True
                self._finish(SUCCESS, self.channel)
                self.calls.model.later(0, self._run, self.channel)
        elif isinstance(model_event, ev.ChannelHangupRequested | ev.ChannelDestroyed) and not self.answered:
            self._finish(self._failure_reason(model_event.cause), None)
        elif isinstance(model_event, ev.PlaybackFinished) and self.application.lower() == "playback":
            self.calls.model.later(0, self._hangup, self.channel)

    def _failure_reason(self, cause: int) -> int:
        if cause == 19:
            return NO_ANSWER
        if self.channel.tech == "Local":
            return {"BUSY": BUSY, "CONGESTION": CONGESTION}.get(self.status, FAILED)
        return FAILED

    def _finish(self, reason: int, channel: Channel | None) -> None:
        if not self.finished:
            self.finished = True
            self._done(reason, channel)

    def _run(self) -> None:
        model, channel = self.calls.model, self.channel
        if channel.destroyed:
            return
        app = self.application.lower()
        if app == "playback":
            sounds = [part for part in self.data.split("&") if part]
            model.media.play(channel, [f"sound:{sound}" for sound in sounds] or ["sound:"], None, None)
        elif app == "wait":
            try:
                seconds = float(self.data or 0)
            except ValueError:
                seconds = 0.0
            model.later(seconds, self._hangup, channel)
        elif self.application:  # with Context/Exten the model runs the extension (pbxsim.model.amd)
            channel.dialplan.app_name, channel.dialplan.app_data = self.application, self.data

    def _hangup(self) -> None:
        """The application returned: the PBX hangs the channel up with cause 0 (no HangupRequest for it)."""
        if not self.channel.destroyed and not self.channel.hangup_requested:
            self.calls.model.end(self.channel, 0)


def _variables(request: Request) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in request.lines:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "variable":
            for assignment in value.strip().split(","):
                name, eq, val = assignment.partition("=")
                if eq and name:
                    found[name] = val
    return found


def _response_event(request: Request, reason: int, channel: Channel | None, caller: Party) -> list[Header]:
    fields: list[Header] = []
    if request.get("ActionID"):
        fields.append(("ActionID", request.get("ActionID")))
    fields += [("Response", "Success" if channel is not None else "Failure")]
    fields.append(("Channel", channel.name if channel is not None else request.get("Channel")))
    if request.get("Application"):
        fields += [("Application", request.get("Application")), ("Data", request.get("Data"))]
    else:
        fields += [("Context", request.get("Context")), ("Exten", request.get("Exten"))]
    fields += [("Reason", str(reason)), ("Uniqueid", channel.id if channel is not None else "<unknown>")]
    fields += [("CallerIDNum", caller.number or "<unknown>"), ("CallerIDName", caller.name or "<unknown>")]
    return event("OriginateResponse", EventFlag.CALL, fields)


async def action_originate(ctx: ActionContext, request: Request) -> After:
    dialstring, app = request.get("Channel"), request.get("Application")
    exten, context, priority = request.get("Exten"), request.get("Context"), request.get("Priority")
    timeout_text = request.get("Timeout")
    error = None
    if not dialstring:
        error = "Channel not specified"
    elif timeout_text and not timeout_text.strip().lstrip("-").isdigit():
        error = "Invalid timeout"
    elif "/" not in dialstring:
        error = "Invalid channel"
    elif not app and (not exten or not context or not priority):
        error = "Originate with 'Exten' requires 'Context' and 'Priority'"
    elif priority and not priority.isdigit() and not app:
        error = "Invalid priority"
    if error is not None:
        ctx.send(response(request, "Error", error))
        return After.KEEP
    calls, caller = ctx.calls, parse_caller_id(request.get("CallerID"))
    is_async = request.get("Async").lower() in ("1", "yes", "true", "y", "t", "on")
    timeout = int(timeout_text) / 1000 if timeout_text else DEFAULT_TIMEOUT_MS / 1000
    outcome: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def done(reason: int, channel: Channel | None) -> None:
        if is_async:  # a sync Originate answers with its response only (ami_misc_and_errors t=0.313)
            calls.publish(_response_event(request, reason, channel, caller), EventFlag.CALL)
        if not outcome.done():
            outcome.set_result(channel is not None)

    if is_async:
        ctx.send(response(request, "Success", "Originate successfully queued"))
    location = Dialplan(context, exten, int(priority)) if not app else None
    try:
        channel = originate(calls.model, dialstring, None, [], timeout=max(timeout, 0.0), location=location)
    except ModelError:
        done(FAILED, None)
    else:
        legs = [leg for leg in (channel, channel.peer) if leg is not None]
        for leg in legs:  # VarSet still shows <unknown> caller ids (ami_outbound_outcomes t=0.302)
            for name, value in _variables(request).items():
                calls.model.set_var(leg, name, value)
        for leg in legs:
            leg.caller, leg.connected = Party(caller.name, caller.number), Party(caller.name, caller.number)
        OriginateJob(calls, channel, app, request.get("Data"), done)
    if not is_async:
        succeeded = await outcome
        if succeeded:
            ctx.send(response(request, "Success", "Originate successfully queued"))
        else:
            ctx.send(response(request, "Error", "Originate failed"))
    return After.KEEP


ACTIONS = (Action("Originate", action_originate, EventFlag.ORIGINATE),)
