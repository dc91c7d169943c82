"""Error classification for answers the main recordings do not contain: the Swagger's 409/422 "Channel not in
Stasis application" and the 500 "Allocation failed" of a missing recording directory (extra/norecdir-*)."""

from __future__ import annotations

import pytest

from engine.adapters.ari import (
    AriConflict,
    AriError,
    AriNotFound,
    AriServerError,
    EndpointUnavailable,
    GoneKind,
    ResourceGone,
)
from engine.adapters.ari.errors import classify
from engine.pbx import ari_commands as c

LEFT_STASIS = b'{"message":"Channel not in a Stasis application"}'
NOT_IN_STASIS = b'{"message":"Channel not in Stasis application"}'
BRIDGE_NOT_IN_STASIS = b'{"message":"Bridge not in Stasis application"}'
ALLOCATION = b'{"error":"Allocation failed"}'


@pytest.mark.parametrize(
    ("command", "status", "body", "expected", "ids"),
    [
        (c.AnswerChannel(channel_id="a"), 409, LEFT_STASIS, ResourceGone, ("a",)),
        (c.AddChannelToBridge(bridge_id="b", channel=("a", "x")), 422, NOT_IN_STASIS, ResourceGone, ("a", "x")),
        (c.StartBridgeMoh(bridge_id="b"), 409, BRIDGE_NOT_IN_STASIS, AriConflict, None),
        (c.ListStoredRecordings(), 500, ALLOCATION, AriServerError, None),
        (c.CreateChannel(endpoint="PJSIP/1004", app="cc"), 500, ALLOCATION, EndpointUnavailable, None),
    ],
)
def test_classify(
    command: c.AriCommand[object], status: int, body: bytes, expected: type[AriError], ids: tuple[str, ...] | None
) -> None:
    error = classify(command, "X /y", status, "Reason", body)
    assert type(error) is expected and error.status == status
    if ids is not None:
        assert isinstance(error, ResourceGone) and error.kind is GoneKind.CHANNEL and error.ids == ids


def test_a_body_that_is_not_json_falls_back_to_the_reason_phrase() -> None:
    error = classify(c.GetChannel(channel_id="a"), "GET /channels/a", 404, "Not Found", b"<html>")
    assert type(error) is AriNotFound and error.message == "Not Found"
