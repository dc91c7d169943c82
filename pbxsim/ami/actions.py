"""AMI action dispatch: `process_message()` plus the `ACTIONS` table of handlers.

`process_message()` reproduces main/manager.c `process_message()` step for step, because its ordering is
visible on the wire:

1. A poisoned frame (line too long / too many lines) -> that error, nothing else.
2. No non-empty `Action:` -> `Missing action in request` (checked *before* authentication).
3. Not logged in and the action is not Login, Logoff or Challenge -> `Permission denied`, the connection
   stays open (transcripts/ami_prelogin_and_auth_failure.txt). Logoff is allowed too (manager.c).
4. Look the action up case-insensitively. Unknown -> `Invalid/unknown command: X. Use Action: ListCommands
   to show available commands.` plus a RequestBadFormat security event. The event is published *before* the
   error is written but reaches this session *after* it (Asterisk queues events and flushes them after the
   response; transcripts/ami_login_and_queue_call.txt) - `ActionContext.publish()` must give that order.
5. Known but the user lacks the write class -> `Permission denied`.

Handlers are `async (ctx, request) -> After` (types in `base`; the call-model actions live in
`originate`, `channels`, `pjsip`, `mixmonitor`, `filters` and `queues`, each exporting its `ACTIONS` entries);
they write through `ctx.send()`, broadcast events through
`ctx.publish()` and return `After.CLOSE` when the server must hang up (Logoff, failed Login). Adding an
action later is one function plus one `Action(...)` entry in `ACTIONS`.

Response layout follows `astman_send_response_full()`: `Response:`, `ActionID:` only when the request
carried a non-empty one, then `Message:` if any, then action-specific headers (NOTES AMI 2).
"""

from __future__ import annotations

import hashlib
import logging

from pbxsim.ami import channels, cli, events, filters, mixmonitor, originate, pjsip, queues
from pbxsim.ami.base import Action, ActionContext, After, AmiUser, response
from pbxsim.ami.codec import Header, Request
from pbxsim.ami.listcommands import RECORDED_COMMANDS
from pbxsim.ami.session import EventFlag
from pbxsim.core import epoch_micro, local_date_time

__all__ = ["ACTIONS", "Action", "ActionContext", "After", "AmiUser", "process_message", "response"]

log = logging.getLogger("pbxsim.ami")

# manager.c action_login(): `sleep(1)` before answering a failed login (recorded: t=0.303 -> t=1.303).
AUTH_FAILURE_DELAY = 1.0


async def process_message(ctx: ActionContext, request: Request) -> After:
    """Handle one framed request; see the module docstring for the order of checks."""
    session = ctx.session
    if request.parse_error is not None:
        ctx.send(response(request, "Error", request.parse_error))
        return After.KEEP
    name = request.get("Action", skip_empty=True)
    if not name:
        _report_bad_format(ctx, "NONE")
        ctx.send(response(request, "Error", "Missing action in request"))
        return After.KEEP
    if not session.authenticated and name.lower() not in _OPEN_ACTIONS:
        ctx.send(response(request, "Error", "Permission denied"))
        return After.KEEP
    action = ACTIONS.get(name.lower())
    if action is None:
        _report_bad_format(ctx, name)
        ctx.send(
            response(
                request,
                "Error",
                f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands.",
            )
        )
        return After.KEEP
    if action.authority and not session.write_perm & action.authority:
        ctx.send(response(request, "Error", "Permission denied"))
        return After.KEEP
    log.debug("session %s action %s", session.session_id, action.name)
    return await action.handler(ctx, request)


def _report_bad_format(ctx: ActionContext, action: str) -> None:
    # Asterisk reports this for any session; only the logged-in shape was recorded (AccountID, SessionTV),
    # so an anonymous session's report is not invented.
    if ctx.session.authenticated:
        ctx.publish(events.request_bad_format(ctx.session, action, ctx.core.clock.now()), EventFlag.SECURITY)


def _authenticate(ctx: ActionContext, request: Request) -> AmiUser | None:
    """manager.c authenticate(): user names are case-insensitive, secrets exact; MD5 uses the challenge."""
    user = ctx.users.get(request.get("Username").lower())
    if user is None:
        return None
    if request.get("AuthType").lower() == "md5":
        key = request.get("Key")
        challenge = ctx.session.challenge
        if not key or not challenge:
            return None
        expected = hashlib.md5((challenge + user.secret).encode(), usedforsecurity=False).hexdigest()
        return user if key == expected else None
    return user if request.get("Secret") == user.secret else None


async def action_login(ctx: ActionContext, request: Request) -> After:
    session = ctx.session
    if session.authenticated:
        ctx.send(response(request, "Success", "Already authenticated"))
        return After.KEEP
    user = _authenticate(ctx, request)
    if user is None:
        log.info("session %s: authentication failed for %r", session.session_id, request.get("Username"))
        await ctx.core.clock.sleep(AUTH_FAILURE_DELAY)
        ctx.send(response(request, "Error", "Authentication failed"))
        return After.CLOSE
    now = ctx.core.clock.now()
    session.authenticated = True
    session.username = request.get("Username")
    session.read_perm = user.read_perm
    session.write_perm = user.write_perm
    session.session_start = now
    session.set_event_mask(request.get("Events"))
    log.info("session %s: manager %r logged on", session.session_id, session.username)
    # authenticate() reports the security event before the ack is written; the queue delivers it after
    # the ack and FullyBooted (recorded order).
    ctx.publish(events.successful_auth(session, now), EventFlag.SECURITY)
    ctx.send(response(request, "Success", "Authentication accepted"))
    if session.send_events & EventFlag.SYSTEM and session.read_perm & EventFlag.SYSTEM:
        core = ctx.core
        ctx.send(events.fully_booted(int(now - core.startup_time), int(now - core.last_reload_time)))
    return After.KEEP


async def action_logoff(ctx: ActionContext, request: Request) -> After:
    ctx.send(response(request, "Goodbye", "Thanks for all the fish."))
    return After.CLOSE


async def action_ping(ctx: ActionContext, request: Request) -> After:
    timestamp = epoch_micro(ctx.core.clock.now())
    ctx.send(response(request, "Success", extra=[("Ping", "Pong"), ("Timestamp", timestamp)]))
    return After.KEEP


async def action_events(ctx: ActionContext, request: Request) -> After:
    # manager.c action_events(): no Message header, just `Events: On|Off` (ami_login_events_off.txt).
    mask = ctx.session.set_event_mask(request.get("EventMask"))
    if mask < 0:
        ctx.send(response(request, "Error", "Invalid event mask"))
    else:
        ctx.send(response(request, "Success", extra=[("Events", "On" if mask > 0 else "Off")]))
    return After.KEEP


async def action_challenge(ctx: ActionContext, request: Request) -> After:
    if request.get("AuthType").lower() != "md5":
        ctx.send(response(request, "Error", "Must specify AuthType"))
        return After.KEEP
    session = ctx.session
    if not session.challenge:
        # `%ld` of ast_random() (0..2^31-1) into char challenge[10]: at most 9 digits survive.
        session.challenge = str(ctx.core.rng.randrange(2**31))[:9]
    ctx.send(response(request, "Success", extra=[("Challenge", session.challenge)]))
    return After.KEEP


async def action_listcommands(ctx: ActionContext, request: Request) -> After:
    ctx.send(response(request, "Success", extra=RECORDED_COMMANDS))
    return After.KEEP


async def action_command(ctx: ActionContext, request: Request) -> After:
    text = request.get("Command")
    if not text:
        ctx.send(response(request, "Error", "No command provided"))
        return After.KEEP
    if cli.is_blacklisted(text):
        ctx.send(response(request, "Error", cli.BLACKLISTED))
        return After.KEEP
    result = cli.run(ctx.core, text)
    # Error or not, the message is "Command output follows" (NOTES AMI 14).
    output = [("Output", line) for line in result.lines]
    status = "Success" if result.success else "Error"
    ctx.send(response(request, status, "Command output follows", output))
    return After.KEEP


async def action_coresettings(ctx: ActionContext, request: Request) -> After:
    ident = ctx.core.identity
    # Field list and values as recorded in ami_misc_and_errors.txt. CoreHTTPenabled reports the AMI-over-HTTP
    # manager (webenabled = no), not the ARI HTTP server.
    settings: list[Header] = [
        ("AMIversion", ident.ami_version),
        ("AsteriskVersion", ident.version),
        ("SystemName", ident.system_name),
        ("CoreMaxCalls", "0"),
        ("CoreMaxLoadAvg", "0.000000"),
        ("CoreRunUser", ""),
        ("CoreRunGroup", ""),
        ("CoreMaxFilehandles", "0"),
        ("CoreRealTimeEnabled", "No"),
        ("CoreCDRenabled", "Yes"),
        ("CoreHTTPenabled", "No"),
        ("SoundsSearchCustomDir", "No"),
    ]
    ctx.send(response(request, "Success", extra=settings))
    return After.KEEP


async def action_corestatus(ctx: ActionContext, request: Request) -> After:
    core = ctx.core
    start_date, start_time = local_date_time(core.startup_time)
    reload_date, reload_time = local_date_time(core.last_reload_time)
    status: list[Header] = [
        ("CoreStartupDate", start_date),
        ("CoreStartupTime", start_time),
        ("CoreReloadDate", reload_date),
        ("CoreReloadTime", reload_time),
        ("CoreCurrentCalls", str(core.current_calls)),
        ("CoreProcessedCalls", str(core.processed_calls)),
    ]
    ctx.send(response(request, "Success", extra=status))
    return After.KEEP


# Actions that an unauthenticated session may run (manager.c process_message()).
_OPEN_ACTIONS = frozenset({"login", "logoff", "challenge"})

_SYSTEM_REPORTING = EventFlag.SYSTEM | EventFlag.REPORTING

# Keyed by lower-case name: AMI action names are case-insensitive (action_find() uses strcasecmp).
# Authorities are the `(Priv: ...)` classes of the recorded ListCommands.
ACTIONS: dict[str, Action] = {
    action.name.lower(): action
    for action in (
        Action("Login", action_login),
        Action("Logoff", action_logoff),
        Action("Challenge", action_challenge),
        Action("Ping", action_ping),
        Action("Events", action_events),
        Action("ListCommands", action_listcommands),
        Action("Command", action_command, EventFlag.COMMAND),
        Action("CoreSettings", action_coresettings, _SYSTEM_REPORTING),
        Action("CoreStatus", action_corestatus, _SYSTEM_REPORTING),
        *originate.ACTIONS,
        *channels.ACTIONS,
        *pjsip.ACTIONS,
        *mixmonitor.ACTIONS,
        *filters.ACTIONS,
        *queues.ACTIONS,
    )
}
