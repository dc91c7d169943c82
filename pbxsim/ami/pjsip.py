"""PJSIPShowEndpoints, PJSIPShowContacts and DeviceStateList over the world's endpoints and the device book.

Shapes as recorded (ami_register_devicestate, ami_pjsip_loop_queue_call; NOTES AMI 2, "Later recordings" 10):
* list ack (`EventList: start` before `Message:`), items with the ActionID as their second line, then
  `<Item>Complete` with `EventList: Complete` + `ListItems`.
* PJSIPShowContacts with no contact at all is **`Response: Error` / `Message: No Contacts found`** - and the
  recorded message carries a stray bare LF before its CRLF (`No Contacts found\\n\\r\\n\\r\\n`), kept here.
* DeviceStateList lists the PJSIP endpoints' states (`DeviceStateChange` items). The recorded box also
  listed MWI: and Queue: devices of app_voicemail/app_queue, which pbxsim does not simulate.
PJSIPShowEndpoint's EndpointDetail (~150 sorcery fields per object) is not simulated.
"""

from __future__ import annotations

from pbxsim.ami.base import Action, ActionContext, After, list_ack, list_complete, list_item, response
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.session import EventFlag

# ast_devstate_str(): the words EndpointList prints for a device state.
DEVSTATE_WORDS = {
    "UNKNOWN": "Unknown",
    "NOT_INUSE": "Not in use",
    "INUSE": "In use",
    "BUSY": "Busy",
    "INVALID": "Invalid",
    "UNAVAILABLE": "Unavailable",
    "RINGING": "Ringing",
    "RINGINUSE": "Ring+Inuse",
    "ONHOLD": "On Hold",
}


async def action_pjsipshowendpoints(ctx: ActionContext, request: Request) -> After:
    model = ctx.calls.model
    endpoints = sorted((ep for ep in model.world.endpoints.values() if ep.tech == "PJSIP"), key=lambda ep: ep.resource)
    if not endpoints:
        ctx.send(response(request, "Error", "No endpoints found"))
        return After.KEEP
    ctx.send(list_ack(request, "A listing of Endpoints follows, presented as EndpointList events"))
    for ep in endpoints:
        contacts = "".join(f"{ep.resource}/{contact.uri}," for contact in model.devices.contacts(ep.key))
        fields: list[Header] = [
            ("ObjectType", "endpoint"),
            ("ObjectName", ep.resource),
            ("Transport", "transport-udp"),
            ("Aor", ep.resource),
            ("Auths", ""),
            ("OutboundAuths", ""),
            ("Contacts", contacts),
            ("DeviceState", DEVSTATE_WORDS.get(model.devices.device_state(ep.key), "Unknown")),
            ("ActiveChannels", str(len(ep.channel_ids))),
        ]
        ctx.send(list_item(request, "EndpointList", fields))
    ctx.send(list_complete(request, "EndpointListComplete", len(endpoints)))
    return After.KEEP


async def action_pjsipshowcontacts(ctx: ActionContext, request: Request) -> After:
    contacts = ctx.calls.model.devices.all_contacts()
    if not contacts:
        ctx.send(response(request, "Error", "No Contacts found\n"))  # stray LF as recorded
        return After.KEEP
    ctx.send(list_ack(request, "A listing of Contacts follows, presented as ContactList events"))
    for contact in contacts:
        host, _, port = contact.uri.rpartition("@")[2].partition(":")
        fields: list[Header] = [
            ("ObjectType", "contact"),
            ("ObjectName", contact.id),
            ("ViaAddr", host),
            ("QualifyTimeout", "3.000000"),
            ("Qualify2xxOnly", "false"),
            ("CallId", contact.call_id),
            ("RegServer", ""),
            ("PruneOnBoot", "no"),
            ("Path", ""),
            ("Endpoint", contact.aor),
            ("ViaPort", port or "5060"),
            ("AuthenticateQualify", "no"),
            ("Uri", contact.uri),
            ("QualifyFrequency", "30" if contact.qualify else "0"),
            ("UserAgent", contact.user_agent),
            ("ExpirationTime", str(int(contact.registered_at) + contact.expires)),
            ("OutboundProxy", ""),
            ("Status", contact.status),
            ("RoundtripUsec", str(contact.roundtrip_usec) if contact.status == "Reachable" else "N/A"),
        ]
        ctx.send(list_item(request, "ContactList", fields))
    ctx.send(list_complete(request, "ContactListComplete", len(contacts)))
    return After.KEEP


async def action_devicestatelist(ctx: ActionContext, request: Request) -> After:
    model = ctx.calls.model
    devices = [ep.key for ep in model.world.endpoints.values() if ep.tech == "PJSIP"]
    ctx.send(list_ack(request, "Device State Changes will follow"))
    for device in devices:
        fields: list[Header] = [("Device", device), ("State", model.devices.device_state(device))]
        ctx.send(list_item(request, "DeviceStateChange", fields))
    ctx.send(list_complete(request, "DeviceStateListComplete", len(devices)))
    return After.KEEP


ACTIONS = (
    Action("PJSIPShowEndpoints", action_pjsipshowendpoints, EventFlag.SYSTEM),
    Action("PJSIPShowContacts", action_pjsipshowcontacts, EventFlag.SYSTEM),
    Action("DeviceStateList", action_devicestatelist, EventFlag.CALL | EventFlag.REPORTING),
)
