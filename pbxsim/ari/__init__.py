"""The simulator's Asterisk REST Interface (ARI) face.

`http` holds the wire conventions (compact JSON, headers, errors, credentials), `events` the event
WebSocket and its app -> socket registry, `app` the aiohttp application, its middleware and `AriServer`.
"""

from pbxsim.ari.app import AriServer, asterisk_info, build_app
from pbxsim.ari.events import EventSockets

__all__ = ["AriServer", "EventSockets", "asterisk_info", "build_app"]
