"""AMI PJSIP endpoint and contact listings, and the device states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.pbx.ami_commands.base import AmiCommand, Fields, items_of
from engine.pbx.ami_commands.list_items import ContactListItem, EndpointListItem
from engine.pbx.ami_commands.replies import AmiReply, ReplyKind
from engine.pbx.ami_events import AmiEvent, DeviceStateChange


@dataclass(frozen=True, slots=True)
class PJSIPShowEndpoints(AmiCommand[tuple[EndpointListItem, ...]]):
    ACTION: ClassVar[str] = "PJSIPShowEndpoints"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[EndpointListItem, ...]:
        return items_of(reply, EndpointListItem)


@dataclass(frozen=True, slots=True)
class PJSIPShowEndpoint(AmiCommand[tuple[AmiEvent, ...]]):
    """The endpoint's detail objects (EndpointDetail, AorDetail, AuthDetail, ...), kept untyped."""

    ACTION: ClassVar[str] = "PJSIPShowEndpoint"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST
    endpoint: str

    def fields(self) -> Fields:
        return [("Endpoint", self.endpoint)]

    def result(self, reply: AmiReply) -> tuple[AmiEvent, ...]:
        return items_of(reply, AmiEvent)


@dataclass(frozen=True, slots=True)
class PJSIPShowContacts(AmiCommand[tuple[ContactListItem, ...]]):
    ACTION: ClassVar[str] = "PJSIPShowContacts"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[ContactListItem, ...]:
        # No contacts is `Response: Error / Message: No Contacts found`, not an empty list (NOTES.md lab 10).
        if not reply.ok and reply.message == "No Contacts found":
            return ()
        return items_of(reply, ContactListItem)


@dataclass(frozen=True, slots=True)
class DeviceStateList(AmiCommand[tuple[DeviceStateChange, ...]]):
    ACTION: ClassVar[str] = "DeviceStateList"
    REPLY: ClassVar[ReplyKind] = ReplyKind.LIST

    def result(self, reply: AmiReply) -> tuple[DeviceStateChange, ...]:
        return items_of(reply, DeviceStateChange)
