"""Per-connection AMI session state and the event-permission arithmetic of main/manager.c.

`AmiSession` is plain data: who logged in, with which read/write permissions, which event classes the
client asked for, the MD5 challenge handed out, and the identifiers that security events print. Action
handlers mutate it; the server consults `wants_event()` before delivering an event to the connection.

Event classes are the bit flags of manager.h (EVENT_FLAG_*). Privilege strings are built like
`authority_to_str()`: every matching label in table order, where "all" is INT_MAX and therefore matches any
class - hence the recorded `Privilege: system,all` / `security,all`, and `(Priv: <none>)` for 0.
Event masks from `Events:` on Login or `Action: Events` follow `strings_to_mask()`: empty -> -1 (invalid,
mask unchanged), all digits -> that number, a false word -> 0, a true word -> all, otherwise the comma list
of class names (matched with manager.c's `ast_instring()`, whose prefix quirk is kept on purpose).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pbxsim.ami.filters import SessionFilters


class EventFlag(enum.IntFlag):
    """manager.h EVENT_FLAG_* classes."""

    SYSTEM = 1 << 0
    CALL = 1 << 1
    LOG = 1 << 2
    VERBOSE = 1 << 3
    COMMAND = 1 << 4
    AGENT = 1 << 5
    USER = 1 << 6
    CONFIG = 1 << 7
    DTMF = 1 << 8
    REPORTING = 1 << 9
    CDR = 1 << 10
    DIALPLAN = 1 << 11
    ORIGINATE = 1 << 12
    AGI = 1 << 13
    CC = 1 << 14
    AOC = 1 << 15
    TEST = 1 << 16
    SECURITY = 1 << 17
    MESSAGE = 1 << 18


ALL_CLASSES = 0x7FFFFFFF  # INT_MAX, the "all" label; what `read = all` / `write = all` grant

_PERMS: tuple[tuple[int, str], ...] = (
    *((int(flag), str(flag.name).lower()) for flag in EventFlag),
    (ALL_CLASSES, "all"),
    (0, "none"),
)

_TRUE_WORDS = frozenset({"yes", "true", "y", "t", "1", "on"})  # ast_true()
_FALSE_WORDS = frozenset({"no", "false", "n", "f", "0", "off"})  # ast_false()


def authority_to_str(authority: int) -> str:
    """`system,all` for SYSTEM, `<none>` for 0 (manager.c authority_to_str)."""
    labels = [label for number, label in _PERMS[:-1] if authority & number]
    return ",".join(labels) if labels else "<none>"


def _in_list(big: str, small: str) -> bool:
    # manager.c ast_instring(): compares each comma item with strncmp(item, small, len(item)), so an item
    # that is a prefix of a label (even an empty item) matches it; the last item needs an exact match.
    items = big.split(",")
    return any(small.startswith(item) for item in items[:-1]) or items[-1] == small


def strings_to_mask(text: str) -> int:
    """Event mask for an `Events:`/`EventMask:` value; -1 means "invalid, leave the mask alone"."""
    if not text:
        return -1
    if text.isascii() and text.isdigit():
        return min(int(text), ALL_CLASSES)
    if text.lower() in _FALSE_WORDS:
        return 0
    if text.lower() in _TRUE_WORDS:
        return ALL_CLASSES
    mask = 0
    for number, label in _PERMS:
        if _in_list(text, label):
            mask |= number
    return mask


@dataclass
class AmiSession:
    """State of one AMI connection."""

    session_id: str  # `SessionID:` of security events (a pointer, %p, on real Asterisk)
    local_address: str  # `LocalAddress:`, e.g. IPV4/TCP/127.0.0.1/5038
    remote_address: str  # `RemoteAddress:`
    authenticated: bool = False
    username: str = ""  # as typed in Login (AccountID echoes it)
    read_perm: int = 0
    write_perm: int = 0
    send_events: int = -1  # build_mansession(): -1 = every class until the client says otherwise
    challenge: str = ""
    session_start: float = 0.0  # login time; `SessionTV:`
    filters: SessionFilters | None = None  # `Action: Filter` (pbxsim.ami.filters); None = no filtering

    def set_event_mask(self, text: str) -> int:
        """Apply an event-mask string (manager.c set_eventmask); returns the parsed mask."""
        mask = strings_to_mask(text)
        if mask >= 0:
            self.send_events = mask
        return mask

    def wants_event(self, category: int) -> bool:
        """manager.c process_events(): logged in, allowed to read the class, and asked for it."""
        return (
            self.authenticated and (self.read_perm & category) == category and (self.send_events & category) == category
        )
