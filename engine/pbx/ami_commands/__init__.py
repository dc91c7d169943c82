"""AMI actions as typed, frozen commands, their typed results, and the errors an action can end in.

errors.py the errors; replies.py what the client collects for one action and the small results read from it;
list_items.py the items of list replies (no command in it); base.py what every command shares (see it for
how a command maps to the wire); session.py, channels.py, endpoints.py and queues.py the commands.
"""

from engine.pbx.ami_commands.base import AmiCommand
from engine.pbx.ami_commands.channels import (
    CoreShowChannels,
    Getvar,
    Hangup,
    MixMonitor,
    MixMonitorMute,
    Originate,
    OriginateAsync,
    Redirect,
    Setvar,
    Status,
    StopMixMonitor,
)
from engine.pbx.ami_commands.endpoints import DeviceStateList, PJSIPShowContacts, PJSIPShowEndpoint, PJSIPShowEndpoints
from engine.pbx.ami_commands.errors import AmiActionError, AmiError, AuthenticationFailed, ConnectionLost
from engine.pbx.ami_commands.list_items import (
    ChannelStatus,
    ContactListItem,
    CoreShowChannel,
    EndpointListItem,
    QueueEntry,
    QueueMemberEntry,
    QueueParams,
    QueueStatusItem,
    QueueSummaryItem,
)
from engine.pbx.ami_commands.queues import QueueAdd, QueuePause, QueuePenalty, QueueRemove, QueueStatus, QueueSummary
from engine.pbx.ami_commands.replies import ActionOk, AmiReply, CommandOutput, Pong, ReplyKind, VariableValue
from engine.pbx.ami_commands.session import Command, Filter, Login, Logoff, Ping, RawAction

__all__ = [
    "ActionOk",
    "AmiActionError",
    "AmiCommand",
    "AmiError",
    "AmiReply",
    "AuthenticationFailed",
    "ChannelStatus",
    "Command",
    "CommandOutput",
    "ConnectionLost",
    "ContactListItem",
    "CoreShowChannel",
    "CoreShowChannels",
    "DeviceStateList",
    "EndpointListItem",
    "Filter",
    "Getvar",
    "Hangup",
    "Login",
    "Logoff",
    "MixMonitor",
    "MixMonitorMute",
    "Originate",
    "OriginateAsync",
    "PJSIPShowContacts",
    "PJSIPShowEndpoint",
    "PJSIPShowEndpoints",
    "Ping",
    "Pong",
    "QueueAdd",
    "QueueEntry",
    "QueueMemberEntry",
    "QueueParams",
    "QueuePause",
    "QueuePenalty",
    "QueueRemove",
    "QueueStatus",
    "QueueStatusItem",
    "QueueSummary",
    "QueueSummaryItem",
    "RawAction",
    "Redirect",
    "ReplyKind",
    "Setvar",
    "Status",
    "StopMixMonitor",
    "VariableValue",
]
