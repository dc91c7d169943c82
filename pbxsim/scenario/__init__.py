"""The simulated world from a YAML scenario: softphones, inbound callers, outbound destinations.

    from pbxsim.scenario import ScenarioRunner, load_scenario
    runner = ScenarioRunner(sim.model, load_scenario("scenarios/demo.yaml"), app="callhive")
    runner.start()

Modules: `loader` (YAML -> `Scenario`, errors with file:line:field) over `reader`; `spec` (the frozen
values); `distributions` and `patterns` (durations, seeded streams, number patterns); `agents`, `callers`,
`outbound` (the three kinds of behaviour); `runner` (wiring them into the model); `stats`.
The format is described in scenarios/README.md.
"""

from pbxsim.scenario.loader import load_scenario, parse_scenario
from pbxsim.scenario.reader import ScenarioError
from pbxsim.scenario.runner import ScenarioRunner
from pbxsim.scenario.spec import AgentSpec, Amd, DestinationSpec, Dial, InboundSpec, OutboundSpec, Scenario
from pbxsim.scenario.stats import ScenarioStats

__all__ = [
    "AgentSpec",
    "Amd",
    "DestinationSpec",
    "Dial",
    "InboundSpec",
    "OutboundSpec",
    "Scenario",
    "ScenarioError",
    "ScenarioRunner",
    "ScenarioStats",
    "load_scenario",
    "parse_scenario",
]
