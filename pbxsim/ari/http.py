"""ARI HTTP conventions: JSON bodies, error bodies, headers and credentials as Asterisk sends/reads them.

From the recordings (transcripts/*.rest.jsonl, NOTES ARI 2 and 18):

* Bodies are compact JSON (`pretty = no` in etc/ari.conf): `{"message":"Authentication required"}`, no
  spaces; Content-Length matches the compact form. Non-ASCII is sent as UTF-8 (jansson's default).
* Every response carries `Server: Asterisk` and `Cache-Control: no-cache, no-store`; JSON ones carry
  `Content-type: application/json` - lower-case "t" on the wire (the lab recordings keep header case).
  204s carry no content type.
* Errors are `{"message": ...}` with Asterisk's reason phrases (e.g. "Not found" for a missing bridge).
* 401: `{"message":"Authentication required"}` plus `WWW-Authenticate: Basic realm="Asterisk REST
  Interface"` (ari_stasis_flow.rest.jsonl).

Credentials (res_ari.c authenticate_user()): an `Authorization: Basic` header wins when present, even if
wrong; otherwise `?api_key=user:password` (split at the first colon). User names compare case-insensitively,
passwords exactly.
"""

from __future__ import annotations

import base64
import binascii
import json

from aiohttp import hdrs, web

AUTH_REALM = "Asterisk REST Interface"

_COMMON_HEADERS = {"Server": "Asterisk", "Cache-Control": "no-cache, no-store"}


def dump_json(payload: object) -> bytes:
    """Compact JSON exactly as the recorded ARI prints it (key order preserved)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    payload: object, status: int = 200, reason: str | None = None, extra_headers: dict[str, str] | None = None
) -> web.Response:
    headers = dict(_COMMON_HEADERS)
    headers.update(extra_headers or {})
    headers["Content-type"] = "application/json"  # case as sent by Asterisk (NOTES ARI 18)
    return web.Response(body=dump_json(payload), status=status, reason=reason, headers=headers)


def no_content() -> web.Response:
    return web.Response(status=204, headers=dict(_COMMON_HEADERS))


def error_response(status: int, reason: str, message: str, extra_headers: dict[str, str] | None = None) -> web.Response:
    return json_response({"message": message}, status, reason, extra_headers)


def unauthorized() -> web.Response:
    return error_response(
        401,
        "Unauthorized",
        "Authentication required",
        {"WWW-Authenticate": f'Basic realm="{AUTH_REALM}"'},
    )


def credentials(request: web.Request) -> tuple[str, str] | None:
    """(user, password) offered by the request, or None when it offers none or a malformed one."""
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None
    api_key = request.query.get("api_key")
    if api_key is None:
        return None
    user, sep, password = api_key.partition(":")
    return (user, password) if sep else None


def is_authorized(request: web.Request, username: str, password: str) -> bool:
    offered = credentials(request)
    return offered is not None and offered[0].lower() == username.lower() and offered[1] == password
