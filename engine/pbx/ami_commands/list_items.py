"""The items of AMI list replies: events on the wire that carry the list's ActionID.

They depend on the event vocabulary only, not on the commands that ask for them: code that reads list items
(the adapter's decoder, whatever reads registered contacts) depends on this module, not on the commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.pbx.ami_events import AmiEvent, ChannelSnapshot, ContactStatusValue, QueueMemberSnapshot


@dataclass(frozen=True, slots=True)
class CoreShowChannel(AmiEvent):
    EVENT: ClassVar[str] = "CoreShowChannel"
    channel: ChannelSnapshot
    application: str
    application_data: str
    duration_s: int
    bridge_id: str


@dataclass(frozen=True, slots=True)
class ChannelStatus(AmiEvent):
    EVENT: ClassVar[str] = "Status"
    channel: ChannelSnapshot
    type: str
    bridge_id: str
    application: str
    data: str
    seconds: int | None


@dataclass(frozen=True, slots=True)
class EndpointListItem(AmiEvent):
    EVENT: ClassVar[str] = "EndpointList"
    endpoint: str
    transport: str
    aor: str
    contacts: str
    device_state: str
    active_channels: int


@dataclass(frozen=True, slots=True)
class ContactListItem(AmiEvent):
    EVENT: ClassVar[str] = "ContactList"
    uri: str
    endpoint: str
    status: ContactStatusValue
    # Asterisk prints "N/A" until the first qualify answers.
    roundtrip_usec: int | None
    user_agent: str
    expiration_time: int
    via_addr: str
    via_port: int
    call_id: str
    qualify_frequency_s: int


@dataclass(frozen=True, slots=True)
class QueueParams(AmiEvent):
    EVENT: ClassVar[str] = "QueueParams"
    queue: str
    max_callers: int
    strategy: str
    calls: int
    hold_time_s: int
    talk_time_s: int
    completed: int
    abandoned: int
    service_level_s: int
    weight: int


@dataclass(frozen=True, slots=True)
class QueueMemberEntry(AmiEvent):
    EVENT: ClassVar[str] = "QueueMember"
    member: QueueMemberSnapshot


@dataclass(frozen=True, slots=True)
class QueueEntry(AmiEvent):
    EVENT: ClassVar[str] = "QueueEntry"
    queue: str
    position: int
    channel: str
    uniqueid: str
    caller_id_num: str
    caller_id_name: str
    wait_s: int


@dataclass(frozen=True, slots=True)
class QueueSummaryItem(AmiEvent):
    EVENT: ClassVar[str] = "QueueSummary"
    queue: str
    logged_in: int
    available: int
    callers: int
    hold_time_s: int
    talk_time_s: int
    longest_hold_time_s: int


QueueStatusItem = QueueParams | QueueMemberEntry | QueueEntry
