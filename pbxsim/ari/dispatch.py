"""The ARI face's subscriber on the call model's bus: model events -> event frames on app sockets.

One synchronous callback per model event: find the apps subscribed to the objects involved (a lookup on
the objects, `render.recipients`), render the shared JSON once, add `asterisk_id` and `application` per app
and queue the frame on the app's socket. An app without a socket (inactive, NOTES "Later recordings" 12)
simply misses the event: nothing is buffered for a later reconnect. It also keeps the Stasis registry in
step with the sockets: a socket attaching activates its apps, the owner socket closing deactivates them.
"""

from __future__ import annotations

from pbxsim.ari import devices
from pbxsim.ari.events import EventSockets
from pbxsim.ari.http import dump_json
from pbxsim.ari.render import event_body, recipients
from pbxsim.model import CallModel, ModelEvent
from pbxsim.model import events as ev


class AriDispatcher:
    def __init__(self, model: CallModel, sockets: EventSockets) -> None:
        self._model = model
        self._sockets = sockets
        self._asterisk_id = model.core.identity.entity_id
        model.bus.subscribe(self)
        sockets.on_attach = model.stasis.activate_name
        sockets.on_detach = model.stasis.deactivate

    def __call__(self, event: ModelEvent, now: float) -> None:
        if isinstance(
            event, ev.ContactStatusChanged | ev.PeerStatusChanged | ev.EndpointStateChanged | ev.DeviceStateChanged
        ):
            for app, frame in devices.frames(self._model, event, now, self._asterisk_id):
                self._sockets.send_nowait(app, dump_json(frame))
            return
        apps = recipients(event)
        if not apps:
            return
        body = event_body(event, now)
        if body is None:
            return
        stasis = self._model.stasis
        for app in apps:
            registered = stasis.get(app)
            if registered is not None and not registered.wants(body["type"]):
                continue  # the app's event filter
            body["asterisk_id"] = self._asterisk_id
            body["application"] = app
            self._sockets.send_nowait(app, dump_json(body))
