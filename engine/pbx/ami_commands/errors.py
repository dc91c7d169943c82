"""The errors an AMI action can end in (raised by the commands' `result()` and by the adapter's client)."""

from __future__ import annotations

from engine.errors import CallhiveError


class AmiError(Exception):
    """Base of the AMI adapter's errors."""


class AmiActionError(AmiError):
    """Asterisk answered `Response: Error` (e.g. "No such channel")."""

    def __init__(self, action: str, message: str, output: tuple[str, ...] = ()) -> None:
        super().__init__(f"AMI {action} failed: {message}")
        self.action = action
        self.message = message
        self.output = output


class ConnectionLost(AmiError):
    """The connection dropped (or was not up) before the reply came. The action is never re-sent: it may or
    may not have run on the PBX (an Originate may be dialling), so the caller decides."""


class AuthenticationFailed(AmiError, CallhiveError):
    """Asterisk refused the login; the client does not reconnect with the same credentials."""
