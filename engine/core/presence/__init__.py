"""Agents: who they are (config), what the roster knows of each (records), what the PBX says of their phones
(events), and the roster, the one owner of agent state (roster)."""

from engine.core.presence.config import AgentConfig
from engine.core.presence.events import ContactObserved, DeviceStateObserved
from engine.core.presence.records import AgentRecord, LastCall
from engine.core.presence.roster import AgentNotFree, FactSink, Roster, UnknownAgent

__all__ = [
    "AgentConfig",
    "AgentNotFree",
    "AgentRecord",
    "ContactObserved",
    "DeviceStateObserved",
    "FactSink",
    "LastCall",
    "Roster",
    "UnknownAgent",
]
