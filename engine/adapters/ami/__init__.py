"""The AMI adapter: panoramisk's protocol as the socket, typed events out, typed commands in."""

from engine.adapters.ami.client import DEFAULT_EXCLUDED_EVENTS, AmiClient
from engine.adapters.backoff import Backoff
from engine.pbx.ami_commands.errors import AmiActionError, AuthenticationFailed, ConnectionLost

__all__ = [
    "DEFAULT_EXCLUDED_EVENTS",
    "AmiActionError",
    "AmiClient",
    "AuthenticationFailed",
    "Backoff",
    "ConnectionLost",
]
