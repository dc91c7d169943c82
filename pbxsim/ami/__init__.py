"""The simulator's Asterisk Manager Interface (AMI) face.

Layers, innermost first: `codec` (bytes <-> messages, pure), `session` (per-connection state and event
permissions), `events` (recorded event shapes), `cli` (`Action: Command`), `actions` (the dispatch table
and manager.c's order of checks), `server` (asyncio TCP plumbing and event fan-out).
"""

from pbxsim.ami.actions import ACTIONS, Action, After, AmiUser
from pbxsim.ami.server import AmiServer

__all__ = ["ACTIONS", "Action", "After", "AmiServer", "AmiUser"]
