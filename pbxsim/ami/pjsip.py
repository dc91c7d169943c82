"""PJSIPShowEndpoints, PJSIPShowContacts and DeviceStateList over the world's endpoints and the device book.

Shapes as recorded (ami_register_devicestate, ami_pjsip_loop_queue_call; NOTES AMI 2, "Later recordings" 10):
* list ack (`EventList: start` before `Message:`), items with the ActionID as their second line, then
  `<Item>Complete` with `EventList: Complete` + `ListItems`.
* PJSIPShowContacts with no contact at all is **`Response: Error` / `Message: No Contacts found`** - and the
  recorded message carries a stray bare LF before its CRLF (`No Contacts found\\n\\r\\n\\r\\n`), kept here.
* DeviceStateList lists the PJSIP endpoints' states (`DeviceStateChange` items). The recorded box also
  listed MWI: and Queue: devices of app_voicemail/app_queue, which pbxsim does not simulate.
PJSIPShowEndpoint (ami_register_devicestate t=0.804..44.352, ami_pjsip_loop_queue_call t=0.304): list ack
"Following are Events for each object associated with the Endpoint", then EndpointDetail, AuthDetail (an
endpoint with auth: a softphone), TransportDetail, AorDetail, one ContactStatusDetail per contact,
IdentifyDetail (a static endpoint: identified by address), then EndpointDetailComplete counting them all.
The ~140 sorcery fields and their values come from the recording (`pbxsim.ami.pjsip_objects`); the values
that follow the simulated state are set here: names, context, device state, active channels, contacts (a
static contact without qualify is `NonQualified`, RoundtripUsec `N/A` unless Reachable). Two profiles, as
configured on the recorded box: a softphone (registers; auth userpass, callerid "Agent <n>" <n>, ulaw+alaw,
rewrite_contact, one contact, qualify 30 s) and a static endpoint (a contact in pjsip.conf, identify by IP,
ulaw, no auth). Errors (not recorded, res_pjsip's wording): no `Endpoint:` -> "Endpoint parameter missing.",
an unknown one -> "Unable to retrieve endpoint <name>".
"""

from __future__ import annotations

from pbxsim.ami import pjsip_objects
from pbxsim.ami.base import Action, ActionContext, After, list_ack, list_complete, list_item, response
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.session import EventFlag
from pbxsim.model import CallModel
from pbxsim.model.devices import NON_QUALIFIED, REACHABLE, Contact
from pbxsim.model.world import Endpoint

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


def _with(template: tuple[Header, ...], values: dict[str, str]) -> list[Header]:
    return [(key, values.get(key, value)) for key, value in template]


def _contact_status(contact: Contact, name: str) -> list[Header]:
    if contact.static:  # a pjsip.conf contact: no registration, no qualify (qualify_frequency 0)
        status, qualify, contact_id = NON_QUALIFIED, "0", f"{contact.aor}@@{contact.id.partition(';@')[2]}"
        fields: list[Header] = [("AOR", contact.aor), ("URI", contact.uri), ("UserAgent", ""), ("RegExpire", "0")]
    else:
        status, qualify, contact_id = contact.status, "30", contact.id
        expires = str(int(contact.registered_at) + contact.expires)
        via = contact.uri.rpartition("@")[2].partition(";")[0]
        fields = [("AOR", contact.aor), ("URI", contact.uri), ("UserAgent", contact.user_agent),
                  ("RegExpire", expires), ("ViaAddress", via), ("CallID", contact.call_id)]  # fmt: skip
    usec = str(contact.roundtrip_usec) if status == REACHABLE else "N/A"
    return [
        *fields, ("Status", status), ("RoundtripUsec", usec), ("EndpointName", name), ("ID", contact_id),
        ("AuthenticateQualify", "0"), ("OutboundProxy", ""), ("Path", ""), ("QualifyFrequency", qualify),
        ("QualifyTimeout", "3.000"), ("Qualify2xxOnly", "0"),
    ]  # fmt: skip


def endpoint_objects(model: CallModel, ep: Endpoint) -> list[tuple[str, list[Header]]]:
    """[(event name, fields)] that PJSIPShowEndpoint lists for `ep` (module docstring)."""
    name = ep.resource
    contacts = model.devices.contacts(ep.key)
    static = any(contact.static for contact in contacts)
    endpoint = {
        "ObjectName": name, "Aors": name, "Context": ep.context,
        "DeviceState": DEVSTATE_WORDS.get(model.devices.device_state(ep.key), "Unknown"),
        "ActiveChannels": str(len(ep.channel_ids)),
    }  # fmt: skip
    endpoint |= (
        {"Callerid": "<unknown>", "Allow": "(ulaw)", "RewriteContact": "false", "Auth": ""}
        if static
        else {"Callerid": f'"Agent {name}" <{name}>', "Auth": name}
    )
    objects = [("EndpointDetail", _with(pjsip_objects.ENDPOINT, endpoint))]
    if not static:
        auth = {"ObjectName": name, "Username": name, "Password": name, "EndpointName": name}
        objects.append(("AuthDetail", _with(pjsip_objects.AUTH, auth)))
    objects.append(("TransportDetail", _with(pjsip_objects.TRANSPORT, {"EndpointName": name})))
    aor = {
        "ObjectName": name, "EndpointName": name, "Contacts": ",".join(f"{name}/{c.uri}" for c in contacts),
        "TotalContacts": str(len(contacts)), "ContactsRegistered": str(sum(not c.static for c in contacts)),
    }  # fmt: skip
    if static:
        aor |= {"MaxContacts": "0", "QualifyFrequency": "0", "RemoveExisting": "false"}
    objects.append(("AorDetail", _with(pjsip_objects.AOR, aor)))
    objects += [("ContactStatusDetail", _contact_status(contact, name)) for contact in contacts]
    if static:
        identify = {"ObjectName": name, "Endpoint": name, "EndpointName": name}
        objects.append(("IdentifyDetail", _with(pjsip_objects.IDENTIFY, identify)))
    return objects


async def action_pjsipshowendpoint(ctx: ActionContext, request: Request) -> After:
    name = request.get("Endpoint")
    if not name:
        ctx.send(response(request, "Error", "Endpoint parameter missing."))
        return After.KEEP
    model = ctx.calls.model
    ep = model.world.endpoints.get(f"PJSIP/{name}")
    if ep is None:
        ctx.send(response(request, "Error", f"Unable to retrieve endpoint {name}"))
        return After.KEEP
    ctx.send(list_ack(request, "Following are Events for each object associated with the Endpoint"))
    objects = endpoint_objects(model, ep)
    for event_name, fields in objects:
        ctx.send(list_item(request, event_name, fields))
    ctx.send(list_complete(request, "EndpointDetailComplete", len(objects)))
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
    Action("PJSIPShowEndpoint", action_pjsipshowendpoint, EventFlag.SYSTEM),
    Action("PJSIPShowContacts", action_pjsipshowcontacts, EventFlag.SYSTEM),
    Action("DeviceStateList", action_devicestatelist, EventFlag.CALL | EventFlag.REPORTING),
)
