"""The simulated world behind the PBX, minimal form: endpoints, far ends, inbound callers.

This is the hook tests use today (the YAML scenario of agents and callers comes later and will drive
these same functions):

    world = sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=3))   # PJSIP/1001
    world.define_endpoint("1004", contact=False)                  # POST /channels -> 500 Allocation failed
    sim.model.devices.register("1004")                            # ...until its softphone registers (devices.py)
    world.define_far_end("PJSIP/cust-6660001@loop", FarEnd.busy())
    world.define_far_end("Local/1001@agents", FarEnd.answers(after=2))
    world.define_far_end("Local/machine@amd-test", FarEnd.answers(amd=amd.LONG_GREETING))  # what AMD() hears
    world.define_amd_extension("amd-test", "detect", AmdExtension("callcenter"))  # AMD(), then Stasis(...)
    caller = world.place_inbound("callcenter", ["inbound", "5000"], exten="5000")   # Stasis(callcenter,inbound,5000)
    world.press(caller, "12#")                                     # one ChannelDtmfReceived per digit
    world.caller_hangup(caller)
    world.hearing(caller.id)                                       # [HearingSpan(what, detail, start, end)]

Dial strings resolve as chan_pjsip / chan_local would: `PJSIP/<endpoint>`, `PJSIP/<user>@<endpoint>` (both
need the endpoint and a contact), `PJSIP/<endpoint>/<uri>` (explicit URI, no contact needed),
`Local/<exten>@<context>[/n]`. An unknown PJSIP endpoint or one without contact is an allocation failure
(500 `{"error":"Allocation failed"}`, nothing on the socket - NOTES "Later recordings" 3); a Local
destination nobody defined is a nonexistent extension (both halves destroyed with cause 0, ibid. 2).
Far ends without a definition ring until the originate times out.

Inbound calls are placed as the recorded runs placed them: a Local pair whose ;2 half runs
`Stasis(app,args...)` in state Ring (transcripts/ari_stasis_flow t=0.819, NOTES ARI 5). When the app is
missing or inactive, Stasis fails (STASISSTATUS=FAILED) and the call takes the dialplan fallback
(`Answer()`, `Queue(support)` in dialplans/; NOTES 12-13): recorded in `world.fallbacks`; a `Queue` there is
app_queue (`run_app`, pbxsim.model.queues). An ARI continue may name a label of `World.labels` (the shipped
[inbound] `fallback`, on the Answer() before Queue(fallback)).

The little dialplan pbxsim knows, for originates and redirects into it: `dialplan_stasis[(context, exten)]`
(runs `Stasis(app,args)`; an AMI Originate of Local/<exten>@<context> then places an inbound call exactly as
the recorded runs did, pbxsim.model.dialing), `stasis_fallbacks` (what such an extension does when Stasis()
fails) and `amd_extensions` (`AMD()` then `Stasis(app,amd,...)`, pbxsim.model.amd; a far end's `amd`
verdict is what AMD() concludes listening to it).
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pbxsim.model import errors
from pbxsim.model.objects import Channel, ChannelState, Dialplan, HearingSpan, Party

if TYPE_CHECKING:
    from pbxsim.model.amd import AmdExtension, AmdVerdict
    from pbxsim.model.calls import CallModel

_RETIRED_LIMIT = 10_000  # hearing timelines kept for destroyed channels


class Outcome(enum.StrEnum):
    ANSWER = "answer"
    BUSY = "busy"  # SIP 486 / Busy()
    CONGESTION = "congestion"  # SIP 503 / Congestion()
    NOANSWER = "noanswer"  # rings until the caller gives up
    UNREACHABLE = "unreachable"  # no SIP response: SIP timer B (32 s) then 408


@dataclass(frozen=True)
class FarEnd:
    """How a dialled destination behaves; all times on the model's clock."""

    outcome: Outcome = Outcome.NOANSWER
    ring: float = 0.0  # seconds of ringing before the outcome (0 = at once)
    talk: float | None = None  # after answering, the far end hangs up after this long
    amd: AmdVerdict | None = None  # what AMD() concludes listening to it (None: it sends no audio)

    @classmethod
    def answers(cls, after: float = 0.0, talk: float | None = None, amd: AmdVerdict | None = None) -> FarEnd:
        return cls(Outcome.ANSWER, after, talk, amd)

    @classmethod
    def busy(cls, after: float = 0.0) -> FarEnd:
        return cls(Outcome.BUSY, after)

    @classmethod
    def congestion(cls, after: float = 0.0) -> FarEnd:
        return cls(Outcome.CONGESTION, after)

    @classmethod
    def no_answer(cls) -> FarEnd:
        return cls(Outcome.NOANSWER)

    @classmethod
    def unreachable(cls) -> FarEnd:
        return cls(Outcome.UNREACHABLE)


@dataclass(eq=False)
class Endpoint:
    tech: str
    resource: str
    contact: bool
    context: str
    far_end: FarEnd | None
    channel_ids: dict[str, None] = field(default_factory=dict)
    # Kept by the DeviceBook (pbxsim.model.devices): `contact` = has a usable contact (dialable), `online` =
    # a contact answered its qualify; ARI's endpoint state follows the latter (NOTES "Later recordings" 11).
    online: bool = False

    @property
    def key(self) -> str:
        return f"{self.tech}/{self.resource}"

    @property
    def state(self) -> str:
        return "online" if self.online else "offline"


@dataclass(frozen=True)
class Target:
    """A resolved dial string."""

    tech: str
    dialstring: str  # what ARI's Dial event prints: the part after "Tech/"
    endpoint: Endpoint | None
    far_end: FarEnd | None  # None: Local extension that does not exist
    context: str
    exten: str


@dataclass(frozen=True)
class Fallback:
    """A call that could not enter Stasis and ran the dialplan fallback instead."""

    channel_id: str
    app: str
    args: tuple[str, ...]
    at: float
    dialplan_app: str


@dataclass(frozen=True)
class LabelledStep:
    """Where a label leads: it is on an Answer() at `priority`, followed by `app(data)` (the only shape the
    shipped dialplans label)."""

    priority: int
    app: str
    data: str


class World:
    def __init__(self, model: CallModel) -> None:
        self.model = model
        self.endpoints: dict[str, Endpoint] = {}
        self.far_ends: dict[str, FarEnd] = {}
        self.moh_classes: set[str] = {"default"}
        # Dialplan knowledge for `continue`: contexts that exist, and (context, exten) that run Stasis(app,args).
        self.contexts: set[str] = {"default", "inbound", "from-caller", "agents", "customers"}
        self.dialplan_stasis: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        self.amd_extensions: dict[tuple[str, str], AmdExtension] = {}  # AMD() then Stasis() (pbxsim.model.amd)
        # What such an extension does when Stasis() fails (STASISSTATUS=FAILED): (application, data) it goes on
        # to, e.g. ("Queue", "support") for [inbound]; absent: Hangup().
        self.stasis_fallbacks: dict[tuple[str, str], tuple[str, str]] = {}
        # Priority labels an ARI continue may name, per context (any extension): (context, label) -> the labelled
        # step. The shipped dialplans/inbound.conf: `n(fallback),Answer()`, then `Queue(fallback,,,,300)`.
        self.labels: dict[tuple[str, str], LabelledStep] = {
            ("inbound", "fallback"): LabelledStep(6, "Queue", "fallback,,,,300"),
        }
        self.fallbacks: list[Fallback] = []
        self.dtmf_heard: list[tuple[str, str, float]] = []  # (channel id, digit, time) sent to far ends
        self._retired: OrderedDict[str, list[HearingSpan]] = OrderedDict()
        # Far ends decided per call (the YAML scenario's softphones and outbound destinations,
        # pbxsim.scenario): asked in order with the dial string ("PJSIP/1001", "Local/5551234@outbound")
        # after `far_ends` and before an endpoint's own far end; None means no opinion.
        self.far_end_sources: list[Callable[[str], FarEnd | None]] = []

    # ----------------------------------------------------------------------- definitions

    def define_endpoint(
        self,
        resource: str,
        contact: bool = True,
        far_end: FarEnd | None = None,
        context: str = "default",
        tech: str = "PJSIP",
    ) -> Endpoint:
        endpoint = Endpoint(tech, resource, False, context, far_end)
        self.endpoints[endpoint.key] = endpoint
        if contact:  # a contact configured in pjsip.conf; softphones use `model.devices.register()`
            self.model.devices.attach_static(endpoint)
        return endpoint

    def define_far_end(self, dialstring: str, far_end: FarEnd) -> None:
        self.far_ends[dialstring] = far_end

    def define_amd_extension(self, context: str, exten: str, extension: AmdExtension) -> None:
        self.contexts.add(context)
        self.amd_extensions[(context, exten)] = extension

    def resolve(self, dialstring: str) -> Target:
        tech, sep, resource = dialstring.partition("/")
        if not sep or not resource:
            raise errors.allocation_failed()
        if tech.lower() == "local":
            dest = resource.split("/", 1)[0]
            exten, _, context = dest.partition("@")
            far_end = self.far_ends.get(f"Local/{dest}") or self._sourced(f"Local/{dest}")
            return Target("Local", dest, None, far_end, context or "default", exten)
        if tech.upper() != "PJSIP":
            raise errors.allocation_failed()
        explicit_uri = "/" in resource
        name = resource.split("/", 1)[0] if explicit_uri else resource.rpartition("@")[2]
        endpoint = self.endpoints.get(f"PJSIP/{name}")
        if endpoint is None or (not endpoint.contact and not explicit_uri):
            raise errors.allocation_failed()
        far_end = (
            self.far_ends.get(f"PJSIP/{resource}") or self._sourced(f"PJSIP/{resource}") or endpoint.far_end
        ) or FarEnd.no_answer()
        return Target("PJSIP", resource, endpoint, far_end, endpoint.context, "s")

    def _sourced(self, dialstring: str) -> FarEnd | None:
        for source in self.far_end_sources:
            far_end = source(dialstring)
            if far_end is not None:
                return far_end
        return None

    # ----------------------------------------------------------------------- endpoint bookkeeping

    def attach(self, channel: Channel) -> None:
        if channel.endpoint is not None and channel.endpoint in self.endpoints:
            self.endpoints[channel.endpoint].channel_ids[channel.id] = None

    def detach(self, channel: Channel) -> None:
        if channel.endpoint is not None and channel.endpoint in self.endpoints:
            self.endpoints[channel.endpoint].channel_ids.pop(channel.id, None)
        self._retired[channel.id] = channel.hearing
        if len(self._retired) > _RETIRED_LIMIT:
            self._retired.popitem(last=False)

    # ----------------------------------------------------------------------- callers

    def place_inbound(
        self,
        app: str,
        args: list[str],
        exten: str = "5000",
        context: str = "inbound",
        caller: Party | None = None,
        fallback: tuple[str, str] | None = ("Queue", "support"),
    ) -> Channel:
        """An inbound call reaching `Stasis(app,args...)` on the ;2 half of a Local pair; returns that half."""
        model = self.model
        party = caller if caller is not None else Party("Caller", "5551000")
        base = model.sequence_name("Local", f"Local/{exten}@{context}")
        outer = model.new_channel(
            "Local", f"{base};1", state=ChannelState.UP, caller=party, dialplan=Dialplan("caller", "s", 1, "Wait", "60")
        )
        inner = model.new_channel(
            "Local", f"{base};2", state=ChannelState.RING, caller=party, dialplan=Dialplan(context, exten, 2)
        )
        outer.peer, inner.peer = inner, outer
        outer.runs_dialplan = inner.runs_dialplan = True
        if not model.enter_stasis(inner, app, args):
            self.fallbacks.append(
                Fallback(inner.id, app, tuple(args), model.now(), fallback[0] if fallback else "Hangup")
            )
            if fallback is None:
                model.end(inner, 16)  # Hangup(): the PBX's soft 16, then the pair (ari_ws_reconnect.side_ami)
            else:
                inner.dialplan = Dialplan(context, exten, 3, *fallback)
                model.answer(inner)
                self.run_app(inner, *fallback)
        return inner

    def run_app(self, channel: Channel, app: str, data: str) -> None:
        """The dialplan application a fallback goes on to: `Queue` is app_queue (pbxsim.model.queues); anything
        else holds the caller with music, never silence."""
        if app == "Queue":
            self.model.queues.join(channel, data)
        else:
            self.model.media.moh_start(channel, "default")

    def press(self, channel: Channel, digits: str, gap: float = 0.35, duration_ms: int = 100) -> None:
        """The caller presses keys: one ChannelDtmfReceived per digit, `gap` seconds apart (ari_stasis_flow:
        1, 2, # at t=4.024/4.375/4.725 with duration_ms 100)."""
        for index, digit in enumerate(digits):
            self.model.later(index * gap, lambda d=digit: self.model.dtmf_received(channel, d, duration_ms), channel)

    def transfer(self, channel: Channel, target: str) -> None:
        """The softphone on `channel` transfers its call to extension `target` (pbxsim.model.transfer)."""
        from pbxsim.model.transfer import transfer

        transfer(self.model, channel, target)

    def hold(self, channel: Channel, held: bool = True) -> None:
        """The softphone on `channel` puts its call on hold (or takes it off, `held=False`)."""
        from pbxsim.model.events import ChannelHoldChanged

        self.model.publish(ChannelHoldChanged(channel, held))

    def caller_hangup(self, channel: Channel, cause: int = 16) -> None:
        """The far end hangs up (a Local ;2 half's ;1 caller, or a SIP far end)."""
        self.model.far_end_hangup(channel, cause)

    def hearing(self, channel_id: str) -> list[HearingSpan]:
        """What a channel heard, live or destroyed (the last 10,000 destroyed channels are kept)."""
        live = self.model.channels.get(channel_id)
        if live is not None:
            return live.hearing
        retired = self._retired.get(channel_id)
        if retired is None:
            raise KeyError(channel_id)
        return retired
