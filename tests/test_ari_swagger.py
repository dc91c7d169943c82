"""The ARI vocabulary checked against the official Swagger 1.2 declarations of Asterisk 22.10.1.

Every route a command uses exists with its HTTP method, every parameter it sends is declared there with the
same name and kind (path/query/body) and every required one is sent; every field a model or event reads is a
declared property of that model (events also inherit Event's and Message's); every event type the engine types
is an Event subtype; and every allowable value of a closed vocabulary maps to its enum member.
"""

from __future__ import annotations

import json
import typing
from enum import StrEnum
from typing import Any

import pytest

from engine.adapters.ari.decode import json_fields
from engine.adapters.ari.wire import params_of
from engine.pbx import ari_commands, ari_models
from engine.pbx.ari_commands import COMMANDS, AriCommand, ParamKind, Returns
from engine.pbx.ari_events import EVENT_CLASSES, AsteriskEvent
from engine.pbx.ari_models import MODELS
from tests.recorded import ARI_DOCS, TRANSCRIPTS

RESOURCE_FILES = sorted(p for p in ARI_DOCS.glob("*.json") if p.name != "resources.json")


def _load() -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
    operations: dict[tuple[str, str], dict[str, Any]] = {}
    models: dict[str, dict[str, Any]] = {}
    for path in RESOURCE_FILES:
        doc = json.loads(path.read_text())
        for api in doc["apis"]:
            for op in api["operations"]:
                operations[(op["httpMethod"], api["path"])] = op
        models.update(doc["models"])
    return operations, models


OPERATIONS, SWAGGER_MODELS = _load()


def test_the_declarations_were_loaded() -> None:
    assert len(RESOURCE_FILES) == 11
    assert ("POST", "/channels/{channelId}/snoop") in OPERATIONS
    assert "Channel" in SWAGGER_MODELS and "StasisStart" in SWAGGER_MODELS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_command_route_and_parameters_are_declared(command: type[AriCommand[Any]]) -> None:
    operation = OPERATIONS.get((command.METHOD.value, command.PATH))
    assert operation is not None, f"{command.__name__}: no {command.METHOD} {command.PATH} in the Swagger"
    declared = {(p["paramType"], p["name"]): p for p in operation.get("parameters", [])}
    sent = {(param.kind.value, param.name) for _, param in params_of(command)}
    assert sent <= declared.keys(), f"{command.__name__} sends undeclared {sorted(sent - declared.keys())}"
    required = {key for key, p in declared.items() if p.get("required") and key[0] != ParamKind.BODY}
    assert required <= sent, f"{command.__name__} cannot send required {sorted(required - sent)}"
    # Every path placeholder is filled by a path parameter.
    path_params = {name for kind, name in sent if kind == ParamKind.PATH}
    assert path_params == {p["name"] for p in operation.get("parameters", []) if p["paramType"] == "path"}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_command_result_matches_the_declared_response(command: type[AriCommand[Any]]) -> None:
    declared = OPERATIONS[(command.METHOD.value, command.PATH)]["responseClass"]
    name = command.MODEL.__name__ if command.MODEL is not None else None
    expected = {
        Returns.NOTHING: "void",
        Returns.ONE: name,
        Returns.MANY: f"List[{name}]",
        Returns.VALUE: "Variable",
        Returns.BYTES: "binary",
    }[command.RETURNS]
    assert declared == expected


def _enum_of(hint: Any) -> type[StrEnum] | None:
    for arm in (hint, *typing.get_args(hint)):
        for inner in (arm, *typing.get_args(arm)):
            if isinstance(inner, type) and issubclass(inner, StrEnum):
                return inner
    return None


def _enum_params() -> list[tuple[type[AriCommand[Any]], str, str]]:
    return [
        (command, attr, param.name)
        for command in COMMANDS
        for attr, param in params_of(command)
        if _enum_of(typing.get_type_hints(command)[attr]) is not None
    ]


@pytest.mark.parametrize(("command", "attr", "name"), _enum_params(), ids=lambda x: getattr(x, "__name__", str(x)))
def test_command_enum_values_are_the_allowable_ones(command: type[AriCommand[Any]], attr: str, name: str) -> None:
    enum = _enum_of(typing.get_type_hints(command)[attr])
    assert enum is not None
    operation = OPERATIONS[(command.METHOD.value, command.PATH)]
    declared = next(p for p in operation["parameters"] if p["name"] == name)
    allowed = declared.get("allowableValues", {}).get("values")
    if allowed is None:  # POST /bridges `type` lists its values only in the description
        assert all(member.value in declared["description"] for member in enum)
    else:
        assert {member.value for member in enum} <= set(allowed), f"{command.__name__}.{attr}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_model_fields_are_declared_properties(model: type) -> None:
    declared = SWAGGER_MODELS[model.__name__]["properties"]
    read = set(json_fields(model))
    assert read <= declared.keys(), f"{model.__name__} reads undeclared {sorted(read - declared.keys())}"
    required = {key for key, prop in declared.items() if prop.get("required")}
    assert {key for key, optional in json_fields(model).items() if not optional} <= required


@pytest.mark.parametrize("event", EVENT_CLASSES, ids=lambda e: e.__name__)
def test_event_type_and_fields_are_declared(event: type[AsteriskEvent]) -> None:
    assert event.__name__ in SWAGGER_MODELS["Event"]["subTypes"]
    declared = (
        SWAGGER_MODELS[event.__name__]["properties"].keys()
        | SWAGGER_MODELS["Event"]["properties"].keys()
        | SWAGGER_MODELS["Message"]["properties"].keys()
    )
    fields = json_fields(event)
    assert fields.keys() <= declared, f"{event.__name__} reads undeclared {sorted(fields.keys() - declared)}"
    # What the Swagger requires, the class reads and requires (a mandatory field never decodes to None).
    required = {key for key, prop in SWAGGER_MODELS[event.__name__]["properties"].items() if prop.get("required")}
    assert required <= {key for key, optional in fields.items() if not optional}


ENUM_PROPERTIES = [
    (ari_models.ChannelState, "Channel", "state"),
    (ari_models.BridgeType, "Bridge", "bridge_type"),
    (ari_models.PlaybackState, "Playback", "state"),
    (ari_models.RecordingState, "LiveRecording", "state"),
    (ari_models.EndpointState, "Endpoint", "state"),
    (ari_models.ContactStatus, "ContactInfo", "contact_status"),
    (ari_models.DeviceStateValue, "DeviceState", "state"),
]


@pytest.mark.parametrize(("enum", "model", "prop"), ENUM_PROPERTIES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_every_allowable_value_has_its_enum_member(enum: type[StrEnum], model: str, prop: str) -> None:
    allowed = SWAGGER_MODELS[model]["properties"][prop]["allowableValues"]["values"]
    for value in allowed:
        assert enum(value).value == value, f"{model}.{prop} {value!r}"


def test_hangup_reasons_are_the_allowable_ones() -> None:
    declared = next(p for p in OPERATIONS[("DELETE", "/channels/{channelId}")]["parameters"] if p["name"] == "reason")
    assert {r.value for r in ari_commands.HangupReason} == set(declared["allowableValues"]["values"])


def test_every_event_type_recorded_has_a_class() -> None:
    from engine.pbx.ari_events import EVENT_TYPES

    recorded = {
        json.loads(line)["type"]
        for path in TRANSCRIPTS.glob("*.ws.jsonl")
        for line in path.read_text().splitlines()
    }
    assert recorded <= EVENT_TYPES.keys(), sorted(recorded - EVENT_TYPES.keys())
