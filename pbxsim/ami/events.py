"""Builders for the AMI events the login/protocol layer emits, field for field as recorded.

Every event starts `Event:` then `Privilege:` (manager.c `__ast_manager_event_multichan`; the recorded box
has timestampevents=no, so no `Timestamp:`). Security events then follow the order res_security_log /
manager print them, which differs per event type - copied from the recordings, not guessed:

* SuccessfulAuth (transcripts/ami_misc_and_errors.txt, ami_login_and_queue_call.txt): AccountID sits
  right after EventVersion, then SessionID, addresses, `UsingPassword: 0` (sic, even for a password
  login), SessionTV.
* RequestBadFormat (ami_login_and_queue_call.txt, ami_misc_and_errors.txt): Severity Error, no AccountID
  up front, `RequestType: Action: <name>` after the addresses, then SessionTV and AccountID last.

Only shapes that were recorded are produced. InvalidPassword, RequestNotAllowed, ChallengeResponseFailed
and friends exist on real Asterisk (visible to *other* sessions with read=security) but were never
captured, so the simulator does not invent them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pbxsim.ami.codec import Header
from pbxsim.ami.session import AmiSession, EventFlag, authority_to_str
from pbxsim.core import iso_millis


def event(name: str, category: int, fields: Sequence[Header]) -> list[Header]:
    """An AMI event: `Event:`, `Privilege:` from the class, then the fields in the given order."""
    return [("Event", name), ("Privilege", authority_to_str(category)), *fields]


def fully_booted(uptime: int, last_reload: int) -> list[Header]:
    """Sent straight after a successful Login when the session reads `system` events."""
    return event(
        "FullyBooted",
        EventFlag.SYSTEM,
        [("Uptime", str(uptime)), ("LastReload", str(last_reload)), ("Status", "Fully Booted")],
    )


def successful_auth(session: AmiSession, now: float) -> list[Header]:
    return event(
        "SuccessfulAuth",
        EventFlag.SECURITY,
        [
            ("EventTV", iso_millis(now)),
            ("Severity", "Informational"),
            ("Service", "AMI"),
            ("EventVersion", "1"),
            ("AccountID", session.username),
            ("SessionID", session.session_id),
            ("LocalAddress", session.local_address),
            ("RemoteAddress", session.remote_address),
            ("UsingPassword", "0"),
            ("SessionTV", iso_millis(session.session_start)),
        ],
    )


def request_bad_format(session: AmiSession, action: str, now: float) -> list[Header]:
    """`action` is the Action value as sent, or "NONE" when the message had none (manager.c)."""
    return event(
        "RequestBadFormat",
        EventFlag.SECURITY,
        [
            ("EventTV", iso_millis(now)),
            ("Severity", "Error"),
            ("Service", "AMI"),
            ("EventVersion", "1"),
            ("SessionID", session.session_id),
            ("LocalAddress", session.local_address),
            ("RemoteAddress", session.remote_address),
            ("RequestType", f"Action: {action}"),
            ("SessionTV", iso_millis(session.session_start)),
            ("AccountID", session.username),
        ],
    )
