"""Refusals from the call model, carrying the HTTP answer Asterisk gives for them.

The model is protocol-neutral in what it *does*, but the reasons it refuses a request are ARI's, and their
exact status, reason phrase and body are part of the recorded wire behaviour (NOTES ARI 2, 12-17 and
"Later recordings" 3). Keeping them on the exception means one table of refusals instead of a second
mapping in every route. `key` is "message" for ordinary errors and "error" for the allocation failure
(`{"error":"Allocation failed"}`, ari_outbound_outcomes).
"""

from __future__ import annotations


class ModelError(Exception):
    def __init__(self, status: int, reason: str, message: str, key: str = "message") -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.key = key


def channel_not_found() -> ModelError:
    return ModelError(404, "Not Found", "Channel not found")


def bridge_not_found() -> ModelError:
    return ModelError(404, "Not found", "Bridge not found")  # lower-case "found" as recorded


def not_in_stasis() -> ModelError:
    return ModelError(409, "Conflict", "Channel not in Stasis application")


def allocation_failed() -> ModelError:
    return ModelError(500, "Internal Server Error", "Allocation failed", key="error")


def bad_request(message: str) -> ModelError:
    return ModelError(400, "Bad Request", message)


def unprocessable(message: str) -> ModelError:
    return ModelError(422, "Unprocessable Entity", message)


def conflict(message: str) -> ModelError:
    return ModelError(409, "Conflict", message)


def not_found(message: str) -> ModelError:
    return ModelError(404, "Not Found", message)
