"""AMI session actions (login, logoff, event filter, ping) and the generic ones (CLI command, any action)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from engine.pbx.ami_commands.base import Acknowledged, AmiCommand, Fields
from engine.pbx.ami_commands.replies import AmiReply, CommandOutput, Pong, ReplyKind
from engine.secret import Secret


@dataclass(frozen=True, slots=True)
class Login(Acknowledged):
    ACTION: ClassVar[str] = "Login"
    username: str
    secret: Secret

    def fields(self) -> Fields:
        # The only place the AMI secret is revealed: when the Login is written to the socket.
        return [("Username", self.username), ("Secret", self.secret.reveal())]


@dataclass(frozen=True, slots=True)
class Logoff(Acknowledged):
    ACTION: ClassVar[str] = "Logoff"


@dataclass(frozen=True, slots=True)
class Filter(Acknowledged):
    """Adds a session event filter, e.g. `Filter("action(exclude),name(VarSet)")` (same syntax as manager.conf
    `eventfilter(...)`; an exclude-only set lets every other event through)."""

    ACTION: ClassVar[str] = "Filter"
    match_criteria: str
    filter: str = ""

    def fields(self) -> Fields:
        return [("Operation", "Add"), ("MatchCriteria", self.match_criteria), ("Filter", self.filter)]


@dataclass(frozen=True, slots=True)
class Ping(AmiCommand[Pong]):
    ACTION: ClassVar[str] = "Ping"

    def result(self, reply: AmiReply) -> Pong:
        reply.raise_for_error()
        return Pong(float(reply.get("Timestamp") or 0))


@dataclass(frozen=True, slots=True)
class Command(AmiCommand[CommandOutput]):
    """A CLI command; output comes as repeated `Output:` headers. A bad command is `Response: Error` whose
    output carries the CLI's complaint (AmiActionError.output)."""

    ACTION: ClassVar[str] = "Command"
    command: str

    def fields(self) -> Fields:
        return [("Command", self.command)]

    def result(self, reply: AmiReply) -> CommandOutput:
        reply.raise_for_error()
        return CommandOutput(reply.values("Output"))


@dataclass(frozen=True, slots=True)
class RawAction(AmiCommand[AmiReply]):
    """Any other action (CoreStatus, CoreSettings, ...): the reply as received. `reply` says whether to wait
    for an event list."""

    action: str
    pairs: Sequence[tuple[str, str]] = ()
    reply: ReplyKind = ReplyKind.RESPONSE

    def action_name(self) -> str:
        return self.action

    def reply_kind(self) -> ReplyKind:
        return self.reply

    def fields(self) -> Fields:
        return list(self.pairs)

    def result(self, reply: AmiReply) -> AmiReply:
        reply.raise_for_error()
        return reply
