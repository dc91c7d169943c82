"""`CallModel`: the simulated PBX's calls - channels, their life cycle, Stasis membership, hangups.

Design: plain objects (`pbxsim.model.objects`) in dictionaries keyed by id, mutated by synchronous
methods; every observable change is published once on `self.bus` (see `pbxsim.model.events`) in the order
it happened. Time comes from `self.scheduler` (the injectable clock; inside a timer callback, the timer's
deadline), randomness from `Core.rng`. Work per operation is O(1) in the number of calls: routing uses
per-object subscription maps, never a scan.

Sub-systems live in their own modules and hold a reference back to the model:
    stasis.Applications   apps, activation, subscriptions
    dialing               originate / create / dial and the far-end outcomes
    bridging              bridges
    media.Media           playbacks, MOH, silence, ringing and the per-channel `hearing` timeline
    recording.Recordings  live and stored recordings (real WAV files)
    world.World           endpoints, far ends and inbound callers (the test-facing hooks)
    queues.AppQueue       app_queue: queue members (AMI QueueAdd...) and callers rung through to them

Hangup sequences copy the recordings (transcripts/ari_stasis_flow, ari_ws_reconnect (+ .side_ami),
ari_outbound_outcomes, ari_amd): an ARI DELETE shows `ChannelHangupRequest {"cause":32,"soft":true}` whatever
the reason (NOTES ARI 4), then the channel leaves its bridge, then StasisEnd, then STASISSTATUS=SUCCESS, then
ChannelDestroyed with the Q.850 cause of the reason (16 by default). A channel that runs dialplan
(`Channel.runs_dialplan`: every Local ;2 half, a ;1 half once it runs an extension, a channel that entered
Stasis() from the dialplan) gets one more `{"cause":16,"soft":true}` just before it is destroyed: its PBX loop
ending (AST_SOFTHANGUP_APPUNLOAD = 16). For a Local pair the other half sees `{"cause":16}` (no soft), the
first half is destroyed, then the other half ends in turn (ari_ws_reconnect t=9.036; NOTES ARI 7: the ;1/;2
order varied between runs).
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path
from typing import Any

from pbxsim.core import Core
from pbxsim.model import errors
from pbxsim.model.events import (
    Bus,
    ChannelCreated,
    ChannelDestroyed,
    ChannelHangupRequested,
    ChannelStateChanged,
    ChannelVarSet,
    DtmfReceived,
    ModelEvent,
    StasisEnded,
    StasisStarted,
)
from pbxsim.model.objects import Bridge, Channel, ChannelState, Dialplan, Party
from pbxsim.model.scheduler import Scheduler, Timer
from pbxsim.model.stasis import Applications

# Q.850 cause texts as ChannelDestroyed prints them (ast_cause2str).
CAUSE_TEXT = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    27: "Destination out of order",
    28: "Invalid number format (addr incomplete)",
    31: "Normal, unspecified",
    34: "Circuit/channel congestion",
    38: "Network out of order",
    58: "Bearer capability not available",
    127: "Interworking, unspecified",
}

# DELETE /channels/{id}?reason=... (channels.json allowableValues) -> cause code.
HANGUP_REASONS = {
    "normal": 16,
    "busy": 17,
    "congestion": 34,
    "no_answer": 19,
    "timeout": 19,
    "rejected": 21,
    "unallocated": 1,
    "normal_unspecified": 31,
    "number_incomplete": 28,
    "codec_mismatch": 58,
    "interworking": 127,
    "failure": 38,
    "answered_elsewhere": 26,
}

SPY_DIRECTIONS = ("none", "both", "out", "in")


class CallModel:
    """See the module docstring."""

    def __init__(self, core: Core, recordings_dir: Path | None = None, sounds: dict[str, float] | None = None) -> None:
        # Imported here: these modules import CallModel for typing only, and this keeps the import graph flat.
        from pbxsim.model.devices import DeviceBook
        from pbxsim.model.media import Media
        from pbxsim.model.queues import AppQueue
        from pbxsim.model.recording import Recordings
        from pbxsim.model.world import World

        self.core = core
        self.scheduler = Scheduler(core.clock)
        self.bus = Bus()
        self.stasis = Applications()
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self._uid = itertools.count(1)
        self._name_seq: dict[str, itertools.count[int]] = {}
        self.media = Media(self, sounds)
        self.recordings = Recordings(self, recordings_dir)
        self.world = World(self)
        self.devices = DeviceBook(self)  # registrations and device states (issue 4 item 1)
        self.queues = AppQueue(self)  # app_queue: members over AMI, callers of Queue() rung through to them

    # ----------------------------------------------------------------------- plumbing

    def now(self) -> float:
        return self.scheduler.now()

    def publish(self, event: ModelEvent) -> None:
        self.bus.publish(event, self.now())

    def later(self, delay: float, callback: Any, channel: Channel | None = None) -> Timer:
        timer = self.scheduler.call_later(delay, callback)
        if channel is not None:
            channel.timers.append(timer)
        return timer

    def unique_id(self) -> str:
        """`1795519233.45`: creation second + a global sequence, like Asterisk's uniqueid."""
        return f"{int(self.now())}.{next(self._uid)}"

    def random_uuid(self) -> str:
        return str(uuid.UUID(int=self.core.rng.getrandbits(128), version=4))

    def sequence_name(self, family: str, prefix: str) -> str:
        """`<prefix>-0000000a`: Asterisk numbers channel names per driver family (Local shares its counter
        with Recorder/ and Announcer/, see BRIDGEPEER values in ari_stasis_flow; Snoop starts at 0)."""
        counter = self._name_seq.setdefault(family, itertools.count(0))
        return f"{prefix}-{next(counter):08x}"

    def channel(self, channel_id: str) -> Channel:
        found = self.channels.get(channel_id)
        if found is None:
            raise errors.channel_not_found()
        return found

    def stasis_channel(self, channel_id: str) -> Channel:
        found = self.channel(channel_id)
        if found.stasis_app is None:
            raise errors.not_in_stasis()
        return found

    def bridge(self, bridge_id: str) -> Bridge:
        found = self.bridges.get(bridge_id)
        if found is None:
            raise errors.bridge_not_found()
        return found

    # ----------------------------------------------------------------------- channel life

    def new_channel(
        self,
        tech: str,
        name: str,
        channel_id: str | None = None,
        state: ChannelState = ChannelState.DOWN,
        caller: Party | None = None,
        dialplan: Dialplan | None = None,
        protocol_id: str = "",
        endpoint: str | None = None,
    ) -> Channel:
        cid = channel_id or self.unique_id()
        if cid in self.channels:
            raise errors.conflict("Channel with given unique ID already exists")
        party = caller if caller is not None else Party()
        channel = Channel(
            id=cid,
            name=name,
            tech=tech,
            creationtime=self.now(),
            state=state,
            protocol_id=protocol_id,
            caller=party,
            connected=Party(party.name, party.number),
            dialplan=dialplan if dialplan is not None else Dialplan("default", "s", 1),
            language=self.core.identity.default_language,
            endpoint=endpoint,
        )
        self.channels[cid] = channel
        self.core.current_calls = len(self.channels)
        self.world.attach(channel)
        self.media.refresh(channel)
        self.publish(ChannelCreated(channel))
        return channel

    def set_state(self, channel: Channel, state: ChannelState) -> None:
        if channel.state is state or channel.destroyed:
            return
        previous, channel.state = channel.state, state
        self.publish(ChannelStateChanged(channel, previous))

    def set_var(self, channel: Channel, name: str, value: str) -> None:
        channel.variables[name] = value
        self.publish(ChannelVarSet(channel, name, value))

    def answer(self, channel: Channel) -> None:
        """Answer; a Local half answered from ARI answers the pair (the far half goes Up too)."""
        channel.ringing = False
        self.set_state(channel, ChannelState.UP)
        peer = channel.peer
        if peer is not None and not peer.destroyed and peer.state is not ChannelState.UP:
            self.set_state(peer, ChannelState.UP)
        self.media.refresh(channel)
        if peer is not None and peer.pending_dial is not None:
            pending, peer.pending_dial = peer.pending_dial, None
            pending.answered()

    def dtmf_received(self, channel: Channel, digit: str, duration_ms: int) -> None:
        if not channel.destroyed:
            self.publish(DtmfReceived(channel, digit, duration_ms))

    def send_dtmf(self, channel: Channel, digits: str, before: int, between: int, duration: int) -> None:
        """ARI `POST /channels/{id}/dtmf`: the digits go *out* of `channel`. A Local half's peer receives them
        (ari_stasis_flow: "9" sent to agent-leg-1 arrives as ChannelDtmfReceived on agent-leg-1;2 ~0.2 s
        later); for other channels they reach the simulated far end (`world.dtmf_heard`)."""
        offset = before / 1000
        for digit in digits:
            if digit == ",":
                offset += 0.5
                continue
            arrival = offset + duration / 1000 + 0.1

            def deliver(digit: str = digit) -> None:
                peer = channel.peer
                if peer is not None and not peer.destroyed:
                    self.dtmf_received(peer, digit, duration)
                elif not channel.destroyed:
                    self.world.dtmf_heard.append((channel.id, digit, self.now()))

            self.later(arrival, deliver, channel)
            offset += (duration + between) / 1000

    # ----------------------------------------------------------------------- Stasis

    def enter_stasis(self, channel: Channel, app: str, args: list[str]) -> bool:
        """`Stasis(app,args...)`: False (STASISSTATUS=FAILED) when the app is missing or inactive (NOTES 12-13)."""
        channel.dialplan.app_name = "Stasis"
        channel.dialplan.app_data = ",".join([app, *args])
        if not self.stasis.is_active(app):
            self.set_var(channel, "STASISSTATUS", "FAILED")
            return False
        # Only apps already subscribed (an originating app) see this "" (ari_outbound_outcomes t=3.821).
        self.set_var(channel, "STASISSTATUS", "")
        self.stasis.subscribe_channel(app, channel)
        channel.stasis_app = app
        channel.stasis_args = list(args)
        self.publish(StasisStarted(channel, app, tuple(args)))
        return True

    def leave_stasis(self, channel: Channel) -> None:
        app = channel.stasis_app
        if app is None:
            return
        self.publish(StasisEnded(channel, app))
        channel.stasis_app = None
        self.stasis.unsubscribe_channel(app, channel)
        # Seen only by apps still subscribed explicitly (the originating app), after StasisEnd.
        self.set_var(channel, "STASISSTATUS", "SUCCESS")

    # ----------------------------------------------------------------------- hangup

    def hangup(self, channel: Channel, cause: int = 16) -> None:
        """ARI DELETE /channels/{id}: soft hangup request 32 whatever the reason (NOTES ARI 4)."""
        if channel.hangup_requested:
            return
        self.publish(ChannelHangupRequested(channel, 32, soft=True))
        self.end(channel, cause)

    def far_end_hangup(self, channel: Channel, cause: int = 16, tech_cause: int | None = None) -> None:
        """The other side hung up: a hangup request with the cause and no `soft` flag."""
        if channel.hangup_requested:
            return
        self.publish(ChannelHangupRequested(channel, cause, tech_cause=tech_cause))
        self.end(channel, cause, tech_cause)

    def end(self, channel: Channel, cause: int, tech_cause: int | None = None, peer_cause: int | None = None) -> None:
        """Tear a channel down after its hangup request: bridge, media, Stasis, then the Local peer and destroy."""
        if channel.destroyed:
            return
        channel.hangup_requested = True
        if channel.pending_dial is not None:  # hung up while its dial waited for an answer
            pending, channel.pending_dial = channel.pending_dial, None
            pending.abandoned()
        for timer in channel.timers:
            timer.cancel()
        channel.timers.clear()
        for snoop in list(channel.snoops):
            self.hangup(snoop)
        self.media.channel_gone(channel)
        self.queues.channel_gone(channel)  # after its music stopped, before it leaves a queue call's bridge
        self.recordings.target_gone(channel)
        if channel.bridge is not None:
            from pbxsim.model.bridging import leave

            leave(self, channel)
        self.leave_stasis(channel)
        if channel.runs_dialplan:
            # Its dialplan ends: the PBX loop soft-hangs the channel up on the way out with the APPUNLOAD flag,
            # 16, whatever the cause (ari_amd t=2.492; ari_continue_redirect.side_ami: 23, then soft 16).
            channel.runs_dialplan = False
            self.publish(ChannelHangupRequested(channel, 16, soft=True))
        peer = channel.peer
        if peer is not None and not peer.destroyed and not peer.hangup_requested:
            # The other half is asked to hang up, this one goes, then the other's own end (with its PBX's soft
            # request when it runs dialplan: a ;2 half always does, an originated ;1 once answered).
            self.publish(ChannelHangupRequested(peer, cause))
            self.destroy(channel, cause, tech_cause)
            self.end(peer, cause if peer_cause is None else peer_cause)
            return
        self.destroy(channel, cause, tech_cause)

    def destroy(self, channel: Channel, cause: int, tech_cause: int | None = None) -> None:
        if channel.destroyed:
            return
        channel.destroyed = True
        channel.hangup_requested = True
        for timer in channel.timers:
            timer.cancel()
        channel.timers.clear()
        if channel.spyee is not None and channel in channel.spyee.snoops:
            channel.spyee.snoops.remove(channel)
        self.media.close(channel)
        self.publish(ChannelDestroyed(channel, cause, CAUSE_TEXT.get(cause, "Unknown"), tech_cause))
        self.channels.pop(channel.id, None)
        self.core.current_calls = len(self.channels)
        self.core.processed_calls += 1
        self.world.detach(channel)
        self.stasis.forget_channel(channel)

    # ----------------------------------------------------------------------- snoop

    def snoop(self, spyee: Channel, spy: str, whisper: str, app: str, args: list[str], snoop_id: str | None) -> Channel:
        """`Snoop/<spyee id>-0000000N` into Stasis at once, state Up, context default/s (NOTES ARI 9)."""
        if spy not in SPY_DIRECTIONS:
            raise errors.bad_request("Invalid direction specified for spy")
        if whisper not in SPY_DIRECTIONS:
            raise errors.bad_request("Invalid direction specified for whisper")
        if spy == "none" and whisper == "none":
            raise errors.bad_request("Sniff direction or whisper direction must be specified")
        name = self.sequence_name("Snoop", f"Snoop/{spyee.id}")
        snoop = self.new_channel("Snoop", name, snoop_id, ChannelState.UP)
        snoop.spyee = spyee
        snoop.variables["SNOOP_DIRECTIONS"] = f"{spy}/{whisper}"
        spyee.snoops.append(snoop)
        self.media.refresh(snoop)
        if not self.enter_stasis(snoop, app, args):
            self.destroy(snoop, 16)
        return snoop
