"""ARI requests as typed, frozen commands: one class per REST operation the engine uses.

Each command names its Swagger route (`METHOD`, `PATH` exactly as in `ari-api-docs/*.json`) and marks each
field with where it goes on the wire and under which Swagger parameter name (`Annotated[str, path("channelId")]`),
so the adapter encodes every command with one generic routine and tests/test_ari_swagger.py checks routes and
parameter names against the declarations. `AriCommand[R]` carries the result type: `await client.send(cmd)`
returns an `R`. `None` fields are left off the request; tuples go out comma-separated, as ARI expects for
`allowMultiple` parameters; `Mapping` fields go in the JSON body.

Status codes as a real Asterisk 22.10.1 answers them (NOTES.md ARI 2): POST /channels and POST /bridges 200,
play and record 201, most actions 204 with no body and no Content-Type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, ClassVar, Generic, TypeVar


class HttpMethod(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    DELETE = "DELETE"


class ParamKind(StrEnum):
    PATH = "path"
    QUERY = "query"
    BODY = "body"


@dataclass(frozen=True, slots=True)
class Param:
    kind: ParamKind
    name: str


def path(name: str) -> Param:
    return Param(ParamKind.PATH, name)


def query(name: str) -> Param:
    return Param(ParamKind.QUERY, name)


def body(name: str) -> Param:
    return Param(ParamKind.BODY, name)


class Returns(StrEnum):
    NOTHING = "nothing"  # 204, no body
    ONE = "one"  # one MODEL
    MANY = "many"  # a JSON list of MODEL -> tuple
    VALUE = "value"  # a Variable: {"value": "..."} -> str
    BYTES = "bytes"  # a file


class HangupReason(StrEnum):
    NORMAL = "normal"
    BUSY = "busy"
    CONGESTION = "congestion"
    NO_ANSWER = "no_answer"
    TIMEOUT = "timeout"
    REJECTED = "rejected"
    UNALLOCATED = "unallocated"
    NORMAL_UNSPECIFIED = "normal_unspecified"
    NUMBER_INCOMPLETE = "number_incomplete"
    CODEC_MISMATCH = "codec_mismatch"
    INTERWORKING = "interworking"
    FAILURE = "failure"
    ANSWERED_ELSEWHERE = "answered_elsewhere"


class SnoopDirection(StrEnum):
    NONE = "none"
    BOTH = "both"
    OUT = "out"
    IN = "in"


class MuteDirection(StrEnum):
    BOTH = "both"
    IN = "in"
    OUT = "out"


class IfExists(StrEnum):
    FAIL = "fail"
    OVERWRITE = "overwrite"
    APPEND = "append"


class TerminateOn(StrEnum):
    NONE = "none"
    ANY = "any"
    STAR = "*"
    HASH = "#"


class BridgeFeature(StrEnum):
    MIXING = "mixing"
    HOLDING = "holding"
    DTMF_EVENTS = "dtmf_events"
    PROXY_MEDIA = "proxy_media"
    VIDEO_SFU = "video_sfu"
    VIDEO_SINGLE = "video_single"
    SDP_LABEL = "sdp_label"


R = TypeVar("R")
GET, POST, PUT, DELETE = HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE
ChannelId = Annotated[str, path("channelId")]
BridgeId = Annotated[str, path("bridgeId")]
AppName = Annotated[str, path("applicationName")]
RecordingName = Annotated[str, path("recordingName")]


@dataclass(frozen=True, slots=True, kw_only=True)
class AriCommand(Generic[R]):
    METHOD: ClassVar[HttpMethod]
    PATH: ClassVar[str]
    RETURNS: ClassVar[Returns] = Returns.NOTHING
    MODEL: ClassVar[type | None] = None
    # Places a new call: refused once another connection has replaced the app.
    ORIGINATES: ClassVar[bool] = False
    # The one body parameter IS the JSON body (Asterisk hands the whole body to it: eventFilter's `filter`),
    # rather than a key inside it (originate's `variables`).
    BODY_IS_PARAMETER: ClassVar[bool] = False


