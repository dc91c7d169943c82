"""MixMonitor / StopMixMonitor / MixMonitorMute: recording a channel from AMI, to real WAV files.

As recorded in transcripts/ami_mixmonitor (NOTES AMI 11):
* `MixMonitor` -> `Response: Success` with no Message and no MixMonitorID; then VarSet MIXMONITOR_FILENAME
  (the full path) and MixMonitorStart. Several monitors may run on one channel.
* `StopMixMonitor` stops one monitor per call (the oldest still running): Success, then MixMonitorStop; with
  none left -> Error "Could not stop monitoring channel".
* `MixMonitorMute` -> Success and a MixMonitorMute event (Direction, State).
* A channel that hangs up ends its monitors **without** MixMonitorStop (only StopMixMonitor produces it).
* Unknown channel -> Error "No such channel".
Files are 8 kHz 16-bit mono WAV (recordings.txt), as long as the time recorded on the model's clock; the
samples are silence (pbxsim carries timing, not audio). A relative file name goes to `<recordings dir>/monitor/`
like Asterisk's spool `monitor/` directory; MIXMONITOR_FILENAME shows the real path written.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path

from pbxsim.ami.base import Action, ActionContext, After, response
from pbxsim.ami.codec import Request
from pbxsim.ami.session import EventFlag
from pbxsim.model import CallModel
from pbxsim.model.events import MixMonitorChanged
from pbxsim.model.objects import Channel

SAMPLE_RATE = 8000


@dataclass(slots=True, eq=False)
class Monitor:
    path: Path
    started: float


@dataclass(slots=True)
class MixMonitors:
    model: CallModel
    running: dict[str, list[Monitor]] = field(default_factory=dict)  # channel id -> oldest first

    def start(self, channel: Channel, name: str) -> Monitor:
        path = Path(name)
        if not path.is_absolute():
            base = self.model.recordings.directory or Path(".")
            path = base / "monitor" / name
        if not path.suffix:
            path = path.with_suffix(".wav")
        monitor = Monitor(path, self.model.now())
        self.running.setdefault(channel.id, []).append(monitor)
        self.model.set_var(channel, "MIXMONITOR_FILENAME", str(path))
        self.model.publish(MixMonitorChanged(channel, "start"))
        return monitor

    def stop_one(self, channel: Channel) -> bool:
        monitors = self.running.get(channel.id)
        if not monitors:
            return False
        self._write(monitors.pop(0))
        if not monitors:
            del self.running[channel.id]
        self.model.publish(MixMonitorChanged(channel, "stop"))
        return True

    def channel_gone(self, channel: Channel) -> None:
        for monitor in self.running.pop(channel.id, []):
            self._write(monitor)  # no MixMonitorStop on hangup (NOTES AMI 11)

    def _write(self, monitor: Monitor) -> None:
        frames = round(max(0.0, self.model.now() - monitor.started) * SAMPLE_RATE)
        monitor.path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(monitor.path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(bytes(2 * frames))


def _channel(ctx: ActionContext, request: Request) -> Channel | None:
    name = request.get("Channel")
    return ctx.calls.by_name.get(name) if name else None


async def action_mixmonitor(ctx: ActionContext, request: Request) -> After:
    if not request.get("Channel"):
        ctx.send(response(request, "Error", "No channel specified"))
        return After.KEEP
    channel = _channel(ctx, request)
    if channel is None:
        ctx.send(response(request, "Error", "No such channel"))
        return After.KEEP
    ctx.calls.mixmonitors.start(channel, request.get("File") or f"{channel.id}.wav")
    ctx.send(response(request, "Success"))
    return After.KEEP


async def action_stopmixmonitor(ctx: ActionContext, request: Request) -> After:
    channel = _channel(ctx, request)
    if channel is None:
        ctx.send(response(request, "Error", "No such channel"))
    elif ctx.calls.mixmonitors.stop_one(channel):
        ctx.send(response(request, "Success"))
    else:
        ctx.send(response(request, "Error", "Could not stop monitoring channel"))
    return After.KEEP


async def action_mixmonitormute(ctx: ActionContext, request: Request) -> After:
    channel = _channel(ctx, request)
    if channel is None:
        ctx.send(response(request, "Error", "No such channel"))
        return After.KEEP
    direction = request.get("Direction") or "both"
    if direction not in ("read", "write", "both"):
        ctx.send(response(request, "Error", "Invalid direction specified. Must be read, write or both"))
        return After.KEEP
    if channel.id not in ctx.calls.mixmonitors.running:
        ctx.send(response(request, "Error", "Cannot set mute flag"))
        return After.KEEP
    state = "1" if request.get("State").lower() in ("1", "yes", "true", "on") else "0"
    ctx.send(response(request, "Success"))
    ctx.calls.model.publish(MixMonitorChanged(channel, "mute", direction, state))
    return After.KEEP


_SYSTEM_CALL = EventFlag.SYSTEM | EventFlag.CALL

ACTIONS = (
    Action("MixMonitor", action_mixmonitor, _SYSTEM_CALL),
    Action("StopMixMonitor", action_stopmixmonitor, _SYSTEM_CALL),
    Action("MixMonitorMute", action_mixmonitormute, _SYSTEM_CALL),
)
