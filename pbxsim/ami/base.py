"""What every AMI action handler sees: the context protocol, the response builder, the table entry type.

Split from `actions.py` so the handler modules (`originate`, `channels`, `pjsip`, `mixmonitor`, `filters`)
and the dispatcher can share these without an import cycle. Response layout follows
`astman_send_response_full()`: `Response:`, `ActionID:` only when the request carried a non-empty one, then
`Message:` if any, then action-specific headers (NOTES AMI 2). List actions (`astman_send_listack`) put
`EventList: start` *before* `Message:` (ami_outbound_outcomes CoreShowChannels), and their items carry the
ActionID as the second line (`list_item`) except where NOTES AMI 2 records it last.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pbxsim.ami.codec import Header, Request
from pbxsim.ami.session import ALL_CLASSES, AmiSession
from pbxsim.core import Core

if TYPE_CHECKING:
    from pbxsim.ami.bus import AmiCalls


class After(enum.Enum):
    """What the connection does once an action has been handled."""

    KEEP = "keep"
    CLOSE = "close"


@dataclass(frozen=True)
class AmiUser:
    """A manager.conf user."""

    username: str
    secret: str
    read_perm: int = ALL_CLASSES
    write_perm: int = ALL_CLASSES


class ActionContext(Protocol):
    """What a handler may touch: its session, the PBX core, the user table, the wire."""

    @property
    def session(self) -> AmiSession: ...

    @property
    def core(self) -> Core: ...

    @property
    def users(self) -> Mapping[str, AmiUser]: ...

    @property
    def calls(self) -> AmiCalls:
        """The AMI view of the call model (channels by name, originates, MixMonitors)."""
        ...

    def send(self, message: Sequence[Header]) -> None:
        """Write a message to this connection now."""
        ...

    def publish(self, message: Sequence[Header], category: int) -> None:
        """Broadcast an event to every session that wants `category` (this one after its response)."""
        ...


Handler = Callable[[ActionContext, Request], Awaitable[After]]


@dataclass(frozen=True)
class Action:
    name: str
    handler: Handler
    authority: int = 0  # write class needed; 0 = anyone ("Priv: <none>")


def response(request: Request, status: str, message: str | None = None, extra: Sequence[Header] = ()) -> list[Header]:
    headers: list[Header] = [("Response", status)]
    action_id = request.get("ActionID")
    if action_id:
        headers.append(("ActionID", action_id))
    if message is not None:
        headers.append(("Message", message))
    headers.extend(extra)
    return headers


def list_ack(request: Request, message: str) -> list[Header]:
    """`Response: Success`, [ActionID], `EventList: start`, `Message: ...` (astman_send_listack)."""
    headers: list[Header] = [("Response", "Success")]
    action_id = request.get("ActionID")
    if action_id:
        headers.append(("ActionID", action_id))
    return [*headers, ("EventList", "start"), ("Message", message)]


def list_item(request: Request, event: str, fields: Sequence[Header]) -> list[Header]:
    """A list event with the ActionID as the second line and no Privilege (NOTES AMI 2)."""
    action_id = request.get("ActionID")
    head: list[Header] = [("Event", event)]
    if action_id:
        head.append(("ActionID", action_id))
    return [*head, *fields]


def list_complete(request: Request, event: str, count: int, extra: Sequence[Header] = ()) -> list[Header]:
    return list_item(request, event, [("EventList", "Complete"), ("ListItems", str(count)), *extra])
