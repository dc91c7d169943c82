"""What the ACD's commands do on the PBX: the handlers the ACD registers with the effects executor.

Music, announcements, bridges and hang-ups go on the call's lane; each agent originate on a lane of its own,
so the agent's phone starts ringing without waiting for the caller's answer or music. Agent legs are
originated into the app with the engine's channel id and the Stasis arguments of their kind (engine/edge/
stasis.py), and `PJSIP_TRANSFER_HANDLING()=ari-only`, so the softphone's transfer key comes to the engine as
ChannelTransfer instead of being carried out by Asterisk.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.core.acd import (
    AcdEvent,
    AgentLegFailed,
    Announce,
    BridgeLegs,
    CallbackLegFailed,
    CancelTimer,
    DialCallback,
    HangUpLeg,
    OriginateAgentLeg,
    SendToVoicemail,
    StartMusic,
    StartTimer,
    StopMusic,
    TearDownBridge,
)
from engine.edge.stasis import agent_leg_args, callback_leg_args
from engine.pbx import ari_commands as cmd
from engine.routing.announcements import announcement_media
from engine.routing.effects import Effects
from engine.routing.pbx_requests import PbxRequests
from engine.routing.timers import Timers

VOICEMAIL_CONTEXT = "callhive-voicemail"


class AcdEffects:
    def __init__(self, requests: PbxRequests, timers: Timers, app: str, callback_endpoint: str,
                 apply: Callable[[AcdEvent], None]) -> None:
        self._requests = requests
        self._timers = timers
        self._app = app
        self._callback_endpoint = callback_endpoint
        self._apply = apply

    def register(self, effects: Effects) -> None:
        effects.register(StartTimer, lambda c: self._timers.start(c.key, c.due))
        effects.register(CancelTimer, lambda c: self._timers.cancel(c.key))
        effects.register(OriginateAgentLeg, self.originate_agent_leg)
        effects.register(DialCallback, self.dial_callback)
        effects.register(HangUpLeg, self.hang_up)
        effects.register(StartMusic, self.start_music)
        effects.register(StopMusic, self.stop_music)
        effects.register(Announce, self.announce)
        effects.register(BridgeLegs, self.bridge)
        effects.register(TearDownBridge, self.tear_down)
        effects.register(SendToVoicemail, self.to_voicemail)

    def originate_agent_leg(self, leg: OriginateAgentLeg) -> None:
        caller_id = f'"{leg.caller_name}" <{leg.caller_number}>' if leg.caller_number else None
        request = cmd.OriginateChannel(
            endpoint=leg.endpoint, app=self._app, app_args=agent_leg_args(leg.call_id, leg.leg_id, leg.agent_id),
            channel_id=leg.leg_id, caller_id=caller_id, timeout=max(1, round(leg.timeout_s)),
            variables={"CALLHIVE_CALL": leg.call_id, "CALLHIVE_QUEUE": leg.queue,
                       "PJSIP_TRANSFER_HANDLING()": "ari-only"},
        )
        self._requests.originate(leg.leg_id, request, lambda failure: self._apply(AgentLegFailed(leg.leg_id, failure)))

    def dial_callback(self, leg: DialCallback) -> None:
        request = cmd.OriginateChannel(
            endpoint=self._callback_endpoint.format(number=leg.number), app=self._app,
            app_args=callback_leg_args(leg.call_id, leg.leg_id), channel_id=leg.leg_id,
            timeout=max(1, round(leg.timeout_s)),
            variables={"CALLHIVE_CALL": leg.call_id, "CALLHIVE_QUEUE": leg.queue},
        )
        self._requests.originate(leg.leg_id, request,
                                 lambda failure: self._apply(CallbackLegFailed(leg.leg_id, failure)))

    def hang_up(self, command: HangUpLeg) -> None:
        self._requests.send(self._requests.lane_of(command.leg_id), cmd.HangupChannel(channel_id=command.leg_id))

    def start_music(self, command: StartMusic) -> None:
        self._requests.send(self._requests.lane_of(command.leg_id), cmd.StartChannelMoh(
            channel_id=command.leg_id, moh_class=command.moh_class))

    def stop_music(self, command: StopMusic) -> None:
        self._requests.send(self._requests.lane_of(command.leg_id), cmd.StopChannelMoh(channel_id=command.leg_id))

    def announce(self, command: Announce) -> None:
        media = announcement_media(command.position, command.estimated_wait_s, command.offer_callback)
        self._requests.send(command.call_id, cmd.PlayOnChannel(
            channel_id=command.leg_id, media=media, playback_id=command.playback_id))

    def bridge(self, command: BridgeLegs) -> None:
        send = self._requests.send
        if command.stop_playback is not None:  # an announcement would go on playing into the conversation
            send(command.call_id, cmd.StopPlayback(playback_id=command.stop_playback))
        send(command.call_id, cmd.StopChannelMoh(channel_id=command.caller_leg))
        send(command.call_id, cmd.CreateBridge(bridge_id=command.bridge_id, name=command.call_id))
        send(command.call_id, cmd.AddChannelToBridge(
            bridge_id=command.bridge_id, channel=(command.caller_leg, command.agent_leg)))

    def tear_down(self, command: TearDownBridge) -> None:
        self._requests.send(command.call_id, cmd.DestroyBridge(bridge_id=command.bridge_id))

    def to_voicemail(self, command: SendToVoicemail) -> None:
        box = command.mailbox.split("@", 1)[0]
        self._requests.send(command.call_id, cmd.StopChannelMoh(channel_id=command.caller_leg))
        self._requests.send(command.call_id, cmd.ContinueInDialplan(
            channel_id=command.caller_leg, context=VOICEMAIL_CONTEXT, extension=box, priority=1))
