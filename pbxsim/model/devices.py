"""`DeviceBook`: PJSIP registrations (contacts, qualify results) and device states, as Asterisk reports them.

The simulated softphones (the scenario's agents) and the tests drive it:

    devices = sim.model.devices
    devices.register("1003")                 # REGISTER accepted; contact NonQualified, then the first qualify
    devices.set_reachable("1003", False)     # a qualify went unanswered -> Unreachable
    devices.unregister("1003")               # REGISTER Expires: 0 -> Removed
    devices.device_state("1003")             # "UNAVAILABLE"

Every change is published on the model bus in the order Asterisk 22.10.1 showed it on AMI
(transcripts/ami_register_devicestate, NOTES "Later recordings" 9):

    register        ContactStatus NonQualified (RoundtripUsec 0); after the first qualify: [EndpointState online,]
                    PeerStatus Reachable, ContactStatus Reachable (RoundtripUsec), DeviceState NOT_INUSE
    refresh         nothing (a REGISTER for a contact that exists only moves its expiry)
    unregister      while reachable: [EndpointState offline,] PeerStatus Unreachable, ContactStatus Removed,
                    DeviceState UNAVAILABLE; while already unreachable: ContactStatus Removed only
    qualify fails   [EndpointState offline,] PeerStatus Unreachable, ContactStatus Unreachable, DeviceState
                    UNAVAILABLE (on the recorded box 3 s after the OPTIONS that went unanswered; the caller of
                    `set_reachable` decides when that is - no qualify timers run here, which keeps 1,000
                    registered endpoints free of periodic work)

EndpointStateChanged has no AMI rendering (ARI EndpointStateChange only). ARI showed DeviceStateChanged before
the second ContactStatusChange on register (ari_register_devicestate t=2.322): Asterisk fans events out to
AMI and ARI asynchronously; the model keeps the AMI order for both faces.

Device state (`device_state()`, DeviceStateChange) is chan_pjsip's: UNAVAILABLE while the endpoint is offline
(no usable contact), else the aggregate of the endpoint's channels (devicestate.c ast_devstate_aggregate):
ringing + in use -> RINGINUSE, RINGING, BUSY, INUSE (a channel Up or Ring), ONHOLD (an Up channel on hold),
otherwise NOT_INUSE. It is recomputed from the endpoint's own channels (a handful) whenever one of them is
created, changes state or is destroyed, and published only when it changes.

Usable contacts: one whose status is not Unreachable (res_pjsip skips unavailable contacts when dialling).
`world.Endpoint.contact` mirrors "has a usable contact", so `world.resolve()` (ARI and AMI originate)
answers Allocation failed for an endpoint without one, exactly as for `define_endpoint(..., contact=False)`.
`define_endpoint(..., contact=True)` goes through `attach_static()`: a contact configured in pjsip.conf,
Reachable from boot, with no events (they happened before any client could have connected).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pbxsim.model.events import (
    ChannelCreated,
    ChannelDestroyed,
    ChannelStateChanged,
    ContactStatusChanged,
    DeviceStateChanged,
    EndpointStateChanged,
    ModelEvent,
    PeerStatusChanged,
)
from pbxsim.model.objects import ChannelState

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel
    from pbxsim.model.world import Endpoint

NON_QUALIFIED = "NonQualified"
REACHABLE = "Reachable"
UNREACHABLE = "Unreachable"
REMOVED = "Removed"


@dataclass(slots=True, eq=False)
class Contact:
    """One registered (or statically configured) contact of an AOR; the AOR is named like the endpoint."""

    endpoint: str  # "PJSIP/1003"
    aor: str  # "1003"
    uri: str  # "sip:1003@127.0.0.1:5070"
    expires: int
    registered_at: float
    qualify: bool
    status: str = NON_QUALIFIED
    roundtrip_usec: int = 0
    static: bool = False
    call_id: str = ""
    user_agent: str = "pbxsim-softphone/1.0"

    @property
    def id(self) -> str:
        """`1003;@3ae9dbf35c907d2b130f62875f2c7abe`: AOR + ";@" + a hash of the URI (res_pjsip_registrar)."""
        return f"{self.aor};@{hashlib.md5(self.uri.encode(), usedforsecurity=False).hexdigest()}"

    @property
    def usable(self) -> bool:
        return self.status != UNREACHABLE


def endpoint_key(endpoint: str) -> str:
    """ "1003" and "PJSIP/1003" both name the PJSIP endpoint 1003."""
    return endpoint if "/" in endpoint else f"PJSIP/{endpoint}"


class DeviceBook:
    """Registrations and device states of the world's endpoints; see the module docstring."""

    def __init__(self, model: CallModel) -> None:
        self.model = model
        self._contacts: dict[str, list[Contact]] = {}  # endpoint key -> contacts
        self._states: dict[str, str] = {}  # endpoint key -> last published device state
        model.bus.subscribe(self._on_event)

    # ----------------------------------------------------------------------- the API

    def register(
        self, endpoint: str, *, contact_uri: str | None = None, expires: int = 60, qualify: bool = True
    ) -> None:
        """A softphone's REGISTER was accepted. A new contact starts NonQualified; with `qualify` the first
        OPTIONS is answered at once (Reachable). A refresh of the same contact publishes nothing."""
        ep = self._endpoint(endpoint)
        uri = contact_uri or f"sip:{ep.resource}@127.0.0.1:5070"
        contacts = self._contacts.setdefault(ep.key, [])
        for contact in contacts:
            if contact.uri == uri:
                contact.expires, contact.registered_at = expires, self.model.now()
                return
        for old in list(contacts):  # max_contacts=1 + remove_existing (etc/pjsip-lab.conf)
            self._remove(ep, old)
        contact = Contact(ep.key, ep.resource, uri, expires, self.model.now(), qualify)
        contact.call_id = f"{self.model.core.rng.getrandbits(32):08x}@pbxsim"
        contacts.append(contact)
        self._publish_contact(contact)
        if qualify:
            self._set_status(ep, contact, REACHABLE)
        else:
            self._update_endpoint(ep)

    def unregister(self, endpoint: str) -> None:
        """REGISTER with Expires: 0 (or the registration expired): every contact is Removed."""
        ep = self._endpoint(endpoint)
        for contact in list(self._contacts.get(ep.key, ())):
            self._remove(ep, contact)

    def set_reachable(self, endpoint: str, reachable: bool) -> None:
        """The result of a qualify (OPTIONS answered or not): Reachable / Unreachable, now."""
        ep = self._endpoint(endpoint)
        for contact in self._contacts.get(ep.key, ()):
            if not contact.static or reachable:
                self._set_status(ep, contact, REACHABLE if reachable else UNREACHABLE)

    def contacts(self, endpoint: str) -> list[Contact]:
        return list(self._contacts.get(endpoint_key(endpoint), ()))

    def device_state(self, endpoint: str) -> str:
        ep = self.model.world.endpoints.get(endpoint_key(endpoint))
        return "INVALID" if ep is None else self._compute(ep)

    # ----------------------------------------------------------------------- for the world and the faces

    def attach_static(self, endpoint: Endpoint) -> None:
        """A contact from pjsip.conf (`define_endpoint(..., contact=True)`): Reachable, no events. Its URI is the
        configured address, without a user (etc/pjsip.conf `contact = sip:127.0.0.1:5060`, as listed in
        ami_pjsip_loop_queue_call t=0.304)."""
        uri = "sip:127.0.0.1:5060"
        contact = Contact(endpoint.key, endpoint.resource, uri, 0, self.model.now(), True, REACHABLE, static=True)
        self._contacts[endpoint.key] = [contact]
        endpoint.contact = endpoint.online = True
        self._states[endpoint.key] = self._compute(endpoint)

    def all_contacts(self) -> list[Contact]:
        """Registered contacts; static ones are not listed by PJSIPShowContacts (the recorded box answered
        "No Contacts found" while endpoint `loop` had its pjsip.conf contact - ami_register_devicestate)."""
        return [contact for contacts in self._contacts.values() for contact in contacts if not contact.static]

    # ----------------------------------------------------------------------- internals

    def _endpoint(self, endpoint: str) -> Endpoint:
        key = endpoint_key(endpoint)
        found = self.model.world.endpoints.get(key)
        if found is None:
            tech, _, resource = key.partition("/")
            found = self.model.world.define_endpoint(resource, contact=False, tech=tech)
        return found

    def _publish_contact(self, contact: Contact, status: str | None = None) -> None:
        shown = status or contact.status
        rtt = contact.roundtrip_usec if shown == REACHABLE else 0
        self.model.publish(ContactStatusChanged(contact.endpoint, contact.aor, contact.uri, shown, rtt))

    def _set_status(self, ep: Endpoint, contact: Contact, status: str) -> None:
        if contact.status == status:
            return
        contact.status = status
        if status == REACHABLE:
            # A plausible qualify round trip (recorded: 617 and 430 us); seeded, so runs repeat.
            contact.roundtrip_usec = self.model.core.rng.randrange(300, 900)
        self._update_endpoint(ep, peer=status, then=contact)

    def _remove(self, ep: Endpoint, contact: Contact) -> None:
        contacts = self._contacts.get(ep.key, [])
        contacts.remove(contact)
        if not contacts:
            self._contacts.pop(ep.key, None)
        self._update_endpoint(ep, peer=UNREACHABLE, then=contact, shown=REMOVED)

    def _update_endpoint(
        self, ep: Endpoint, peer: str | None = None, then: Contact | None = None, shown: str | None = None
    ) -> None:
        """Endpoint online/offline (+ PeerStatus on a change), the contact's status, then the device state."""
        contacts = self._contacts.get(ep.key, ())
        ep.contact = any(contact.usable for contact in contacts)
        online = any(c.status == REACHABLE or (c.status == NON_QUALIFIED and not c.qualify) for c in contacts)
        if online != ep.online:
            ep.online = online
            self.model.publish(EndpointStateChanged(ep.key, "online" if online else "offline"))
            if peer is not None:
                self.model.publish(PeerStatusChanged(ep.key, REACHABLE if online else UNREACHABLE))
        if then is not None:
            self._publish_contact(then, shown)
        self._refresh(ep)

    def _compute(self, ep: Endpoint) -> str:
        if not ep.online:
            return "UNAVAILABLE"
        ringing = inuse = busy = onhold = False
        channels = self.model.channels
        for cid in ep.channel_ids:
            channel = channels.get(cid)
            if channel is None or channel.destroyed:
                continue
            state = channel.state
            if state is ChannelState.RINGING:
                ringing = True
            elif state is ChannelState.BUSY:
                busy = True
            elif state is ChannelState.UP and channel.on_hold:
                onhold = True
            elif state in (ChannelState.UP, ChannelState.RING):
                inuse = True
        if ringing:
            return "RINGINUSE" if inuse else "RINGING"
        if busy:
            return "BUSY"
        if inuse:
            return "INUSE"
        return "ONHOLD" if onhold else "NOT_INUSE"

    def _refresh(self, ep: Endpoint) -> None:
        state = self._compute(ep)
        if self._states.get(ep.key) != state:
            self._states[ep.key] = state
            self.model.publish(DeviceStateChanged(ep.key, state))

    def _on_event(self, event: ModelEvent, now: float) -> None:
        if isinstance(event, ChannelCreated | ChannelStateChanged | ChannelDestroyed):
            key = event.channel.endpoint
            if key is not None:
                ep = self.model.world.endpoints.get(key)
                if ep is not None:
                    self._refresh(ep)
