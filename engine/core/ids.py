"""Typed identifiers, so a call id is never passed where an agent id is expected."""

from typing import NewType

CallId = NewType("CallId", str)
LegId = NewType("LegId", str)
AgentId = NewType("AgentId", str)
QueueName = NewType("QueueName", str)
BridgeId = NewType("BridgeId", str)
