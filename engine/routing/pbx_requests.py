"""PBX requests on lanes (lanes.py): each request is sent in order on its lane, and an error the engine
expects is logged or turned into what it means, never raised into the loop.

A call's requests go on its lane (the call book says which call a leg is part of); a leg the book no longer
has, on a lane of its own. An originate's failure is the leg's: the one who asked gets it as a domain event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from engine.adapters.ari import AriClient
from engine.adapters.ari.errors import AriError, AriNotFound, EndpointUnavailable, ResourceGone
from engine.core.calls import CallBook
from engine.core.outcomes import LegFailure
from engine.instrument import Probes
from engine.pbx import ari_commands as cmd
from engine.routing.lanes import Lanes

log = logging.getLogger(__name__)


class PbxRequests:
    def __init__(self, ari: AriClient, book: CallBook, probes: Probes) -> None:
        self._ari = ari
        self._book = book
        self._probes = probes
        self.lanes = Lanes()

    def lane_of(self, leg_id: str) -> str:
        """Requests about a call go out in order on its lane; a leg the book no longer has, on its own."""
        return self._book.call_of(leg_id) or leg_id

    def send(self, lane: str, request: cmd.AriCommand[Any]) -> None:
        self.lanes.submit(lane, lambda: self._send(request))

    def originate(self, lane: str, request: cmd.OriginateChannel, failed: Callable[[LegFailure], None]) -> None:
        """Originate on `lane`; `failed` hears how the leg failed if the PBX refuses it."""
        self.lanes.submit(lane, lambda: self._originate(request, failed))

    async def _send(self, request: cmd.AriCommand[Any]) -> None:
        self._probes.request_sent(request)
        try:
            try:
                await self._ari.send(request)
            finally:
                self._probes.request_answered(request)
        except ResourceGone:
            pass  # the client has put ChannelGone/BridgeGone on the stream; the engine learns it from there
        except AriNotFound as exc:
            if not isinstance(request, cmd.StopPlayback):  # an announcement that ended on its own meanwhile
                log.warning("ARI %s failed: %s", type(request).__name__, exc)
        except AriError as exc:
            log.warning("ARI %s failed: %s", type(request).__name__, exc)

    async def _originate(self, request: cmd.OriginateChannel, failed: Callable[[LegFailure], None]) -> None:
        """A 500 "Allocation failed" means no registered contact; a channel gone at once, no answer."""
        self._probes.request_sent(request)
        try:
            try:
                await self._ari.send(request)
            finally:
                self._probes.request_answered(request)
        except EndpointUnavailable:
            failed(LegFailure.NO_CONTACT)
        except ResourceGone:
            failed(LegFailure.NO_ANSWER)
        except AriError as exc:
            log.warning("originate to %s failed: %s", request.endpoint, exc)
            failed(LegFailure.CONGESTION)

    async def run(self) -> None:
        await self.lanes.run()

    def close(self) -> None:
        """Stop once the requests already queued are done (they may still reach a PBX that is going away)."""
        self.lanes.close()
