"""The validated scenario: frozen values built once by `pbxsim.scenario.loader` and read by the runner.

Vocabulary (YAML spelling = enum value):
* `Dial` - what happens to a call the engine originates to an outbound destination: answer, busy,
  no_answer (rings until the originate times out), congestion (a network failure, SIP 503), unreachable
  (no SIP response: 32 s of SIP timer B, then 408).
* `Amd` - who or what answers, as app_amd reports it. Values, causes and detection times are those
  recorded on Asterisk 22.10.1 with the sample amd.conf (NOTES AMD 7, transcripts/ari_amd): see
  `AMD_RESULTS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pbxsim.model.amd import AmdVerdict
from pbxsim.scenario.distributions import Distribution
from pbxsim.scenario.patterns import NumberPattern


class Dial(enum.StrEnum):
    ANSWER = "answer"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    UNREACHABLE = "unreachable"


class Amd(enum.StrEnum):
    HUMAN = "human"  # a short greeting ("hello")
    MACHINE = "machine"  # a long greeting (voicemail prompt)
    SILENCE = "silence"  # answers and says nothing
    NOTSURE = "notsure"  # sends no audio at all
    HANGUP = "hangup"  # hangs up during detection


# The recorded verdicts (pbxsim.model.amd: transcripts/ari_amd, from answer), rounded to a tenth of a second for
# scenarios: MACHINE/MAXWORDS after ~1.7 s of a 5.7 s prompt, HUMAN after "hello" + 800 ms of silence (~2.0 s),
# MACHINE/INITIALSILENCE after 2.5 s of silence (~3.0 s), NOTSURE/TOOLONG at the 5 s total limit, HANGUP with
# an empty cause when the far end hung up (~0.5 s).
AMD_RESULTS: dict[Amd, AmdVerdict] = {
    Amd.HUMAN: AmdVerdict("HUMAN", "HUMAN-800-800", 2.0),
    Amd.MACHINE: AmdVerdict("MACHINE", "MAXWORDS-3-2", 1.7),
    Amd.SILENCE: AmdVerdict("MACHINE", "INITIALSILENCE-2500-2500", 3.0),
    Amd.NOTSURE: AmdVerdict("NOTSURE", "TOOLONG-4900", 5.0),
    Amd.HANGUP: AmdVerdict("HANGUP", "", 0.5),
}


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One softphone (PJSIP endpoint `endpoint`) and its user."""

    endpoint: str  # "1001"
    register_at: Distribution  # seconds after the scenario starts
    answer_after: Distribution  # ring time before the agent picks up
    no_answer: float  # probability an offered call is left ringing
    talk: Distribution  # from answer to the end of the conversation
    agent_hangs_up: float  # probability the agent ends it (else the other side does, the agent waits)
    expires: int
    qualify: bool


@dataclass(frozen=True, slots=True)
class DtmfSpec:
    after: float  # seconds after the call arrives
    digits: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class InboundSpec:
    """Callers dialling one DID, arriving as a Poisson process within a window."""

    name: str  # "inbound[0]:5000", names the random stream
    number: str
    rate: float  # arrivals per second
    start: float  # window, seconds after the scenario starts
    end: float | None  # None: until stopped
    caller: NumberPattern
    caller_name: str
    patience: Distribution | None  # None: waits for ever
    dtmf: tuple[DtmfSpec, ...]
    early_hangup: float  # probability the caller hangs up early whatever happens
    early_after: Distribution


@dataclass(frozen=True, slots=True)
class DestinationSpec:
    """Outbound numbers matching `pattern` and how they answer."""

    name: str  # "outbound.destinations[0]", names the random stream
    pattern: NumberPattern
    ring: Distribution
    outcomes: tuple[tuple[Dial, float], ...]  # probabilities summing to 1
    answered_by: tuple[tuple[Amd, float], ...]  # idem, for answered calls
    talk: Distribution | None  # after answering, the far end hangs up after this long (None: never)


@dataclass(frozen=True, slots=True)
class OutboundSpec:
    trunk: str | None  # PJSIP endpoint of the carrier: PJSIP/<number>@<trunk>
    contexts: tuple[str, ...]  # Local/<number>@<context> reaches the destinations too
    destinations: tuple[DestinationSpec, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    source: str  # the file it came from
    seed: int
    agents: tuple[AgentSpec, ...]
    inbound: tuple[InboundSpec, ...]
    outbound: OutboundSpec
