"""The read model of queues, agents and calls: a pure projection of the engine's facts, at a `seq`, that the
HTTP API, the CLI and the live feed show, rebuilt the same way in any process (engine/store/read_model.py)."""

from engine.core.read_model.changes import Changed
from engine.core.read_model.model import ReadModel
from engine.core.read_model.setup import AgentSetup, QueueSetup, ReadModelSetup, setup_of
from engine.core.read_model.views import agent_view, agents_view, call_view, calls_view, queue_view, queues_view

__all__ = [
    "AgentSetup",
    "Changed",
    "QueueSetup",
    "ReadModel",
    "ReadModelSetup",
    "agent_view",
    "agents_view",
    "call_view",
    "calls_view",
    "queue_view",
    "queues_view",
    "setup_of",
]
