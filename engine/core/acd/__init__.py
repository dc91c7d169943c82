"""The inbound ACD as a pure state machine: `Acd.handle(event, now) -> list[command]`."""

from engine.core.acd.commands import (
    AcdCommand,
    BridgeLegs,
    CancelTimer,
    Fact,
    HangUpLeg,
    OriginateAgentLeg,
    SendToVoicemail,
    StartMusic,
    StartTimer,
)
from engine.core.acd.config import AgentConfig, OverflowRule, OverflowTarget, OverflowWhen, QueueConfig
from engine.core.acd.events import (
    AcdEvent,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AgentRequested,
    CallEnqueued,
    ContactObserved,
    DeviceState,
    DeviceStateObserved,
    LegFailure,
    LegHungUp,
    TimerFired,
)
from engine.core.acd.machine import Acd, CallPhase

__all__ = [
    "Acd", "AcdCommand", "AcdEvent", "AgentConfig", "AgentLegAnswered", "AgentLegFailed", "AgentLegRinging",
    "AgentRequested", "BridgeLegs", "CallEnqueued", "CallPhase", "CancelTimer", "ContactObserved", "DeviceState",
    "DeviceStateObserved", "Fact", "HangUpLeg", "LegFailure", "LegHungUp", "OriginateAgentLeg", "OverflowRule",
    "OverflowTarget", "OverflowWhen", "QueueConfig", "SendToVoicemail", "StartMusic", "StartTimer", "TimerFired",
]
