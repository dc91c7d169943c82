"""`Action: Filter` and the per-session event filters it installs (manager.c, core-en_US.xml `manager Filter`).

A filter is include or exclude. Classic form: `Filter: <regex>` matched against the whole event payload,
`!` in front for exclude. Advanced form (`MatchCriteria: action(exclude),name(VarSet),header(X),<method>`):
the event name and/or one header's value select events, and the Filter value is applied by the method
(regex - default, exact, startsWith, endsWith, contains, none); with an empty Filter the criteria alone
decide (what callhive's adapter sends: `MatchCriteria: action(exclude),name(VarSet)`).
Delivery rule (manager.c should_send_event): no filters -> everything; only includes -> events matching one;
only excludes -> events matching none; both -> matching an include and no exclude.
Not recorded on the lab box; the success answer is manager.c's `astman_send_ack(s, m, "Success")`.
Checking costs one pass over the session's (few) filters per event, and nothing for sessions without any.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pbxsim.ami.base import Action, ActionContext, After, response
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.session import EventFlag

_CRITERION = re.compile(r"(action|name|header)\(([^)]*)\)|(regex|exact|startsWith|endsWith|contains|none)")


@dataclass(frozen=True, slots=True)
class EventFilter:
    exclude: bool
    name: str | None = None
    header: str | None = None
    method: str = "regex"
    pattern: str = ""
    regex: re.Pattern[str] | None = None

    def matches(self, message: Sequence[Header], payload: str) -> bool:
        if self.name is not None and (not message or message[0][1] != self.name):
            return False
        subject = payload
        if self.header is not None:
            values = [value for key, value in message if key.lower() == self.header.lower()]
            if not values:
                return False
            subject = values[0]
        match self.method:
            case "none":
                return True
            case "exact":
                return subject == self.pattern
            case "startsWith":
                return subject.startswith(self.pattern)
            case "endsWith":
                return subject.endswith(self.pattern)
            case "contains":
                return self.pattern in subject
            case _:
                return self.regex is None or self.regex.search(subject) is not None


@dataclass(slots=True)
class SessionFilters:
    includes: list[EventFilter] = field(default_factory=list)
    excludes: list[EventFilter] = field(default_factory=list)

    def allows(self, message: Sequence[Header], data: bytes) -> bool:
        payload = data.decode("utf-8", "surrogateescape")
        if self.includes and not any(f.matches(message, payload) for f in self.includes):
            return False
        return not any(f.matches(message, payload) for f in self.excludes)


def parse(criteria: str, pattern: str) -> EventFilter:
    """Raise ValueError for criteria or a regex Asterisk would refuse."""
    exclude, name, header, method = False, None, None, "regex"
    if not criteria and pattern.startswith("!"):
        exclude, pattern = True, pattern[1:]
    for part in (item.strip() for item in criteria.split(",") if item.strip()):
        found = _CRITERION.fullmatch(part)
        if found is None:
            raise ValueError(part)
        if found[1] == "action":
            if found[2] not in ("include", "exclude"):
                raise ValueError(part)
            exclude = found[2] == "exclude"
        elif found[1] == "name":
            name = found[2]
        elif found[1] == "header":
            header = found[2]
        else:
            method = found[3]
    if not pattern and method == "regex":
        method = "none"
    regex = re.compile(pattern) if method == "regex" else None
    return EventFilter(exclude, name, header, method, pattern, regex)


async def action_filter(ctx: ActionContext, request: Request) -> After:
    operation = request.get("Operation")
    if operation.lower() != "add":
        ctx.send(response(request, "Error", "Unknown operation"))
        return After.KEEP
    try:
        added = parse(request.get("MatchCriteria"), request.get("Filter"))
    except (ValueError, re.error):
        ctx.send(response(request, "Error", "Filter format invalid"))
        return After.KEEP
    session = ctx.session
    if session.filters is None:
        session.filters = SessionFilters()
    (session.filters.excludes if added.exclude else session.filters.includes).append(added)
    ctx.send(response(request, "Success", "Success"))
    return After.KEEP


ACTIONS = (Action("Filter", action_filter, EventFlag.SYSTEM),)
