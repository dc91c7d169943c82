"""Reachability checks for `callhive doctor`: one AMI login and one ARI request, each with a verdict.

These speak the protocols directly and briefly (connect, authenticate, leave) so that doctor can tell a
closed port, a wrong password and a working setup apart, with a hint for each.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from dataclasses import dataclass

import aiohttp

from engine.adapters.ami.frames import Framer, decode, encode, first
from engine.config import AmiSettings, AriSettings


def _network_reason(exc: BaseException) -> str:
    """'connection refused' rather than asyncio's "Connect call failed ('127.0.0.1', 5038)"."""
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    inner = getattr(exc, "os_error", exc)  # aiohttp wraps the OSError
    errno = getattr(inner, "errno", None)
    if isinstance(errno, int) and errno > 0:
        return os.strerror(errno).lower()
    return str(exc) or type(exc).__name__


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    detail: str
    hint: str = ""


async def probe_ami(settings: AmiSettings) -> Verdict:
    where = f"{settings.host}:{settings.port}"
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(settings.host, settings.port), settings.connect_timeout
        )
    except (TimeoutError, OSError) as exc:
        return Verdict(
            False,
            f"cannot connect to AMI at {where}: {_network_reason(exc)}",
            "is Asterisk running, with manager.conf [general] enabled = yes and bindaddr/port "
            "matching [ami] host/port?",
        )
    try:
        # Asterisk answers a wrong secret only after about a second; allow for that beyond the connect timeout.
        return await asyncio.wait_for(_ami_login(reader, writer, settings), settings.connect_timeout + 3)
    except TimeoutError:
        return Verdict(False, f"AMI at {where} did not answer the login in time", "is this port really AMI?")
    except (OSError, asyncio.IncompleteReadError):
        return Verdict(
            False, f"AMI at {where} closed the connection during login", "check manager.conf permit/deny"
        )
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _ami_login(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, settings: AmiSettings) -> Verdict:
    banner = (await reader.readline()).decode(errors="replace").strip()
    if not banner.startswith("Asterisk Call Manager"):
        return Verdict(
            False,
            f"{settings.host}:{settings.port} is not AMI (it said {banner[:60]!r})",
            "check [ami] port (Asterisk's default is 5038)",
        )
    writer.write(
        encode(
            [
                ("Action", "Login"),
                ("ActionID", "doctor-login"),
                ("Username", settings.username),
                ("Secret", settings.secret.reveal()),
                ("Events", "off"),
            ]
        )
    )
    await writer.drain()
    framer = Framer()
    while True:
        data = await reader.read(4096)
        if not data:
            raise asyncio.IncompleteReadError(b"", None)
        for block in framer.feed(data):
            message = decode(block)
            if first(message, "ActionID") != "doctor-login" or first(message, "Response") is None:
                continue
            if first(message, "Response") == "Success":
                writer.write(encode([("Action", "Logoff")]))
                await writer.drain()
                where = f"{settings.host}:{settings.port}"
                return Verdict(True, f"logged in to AMI at {where} as {settings.username} ({banner})")
            said = first(message, "Message") or "refused"
            return Verdict(
                False,
                f"AMI login as '{settings.username}' refused: {said}",
                f"[ami] username/secret must match a [{settings.username}] user in manager.conf "
                "(and its permit must allow this host)",
            )


async def probe_ari(settings: AriSettings, timeout: float = 5.0) -> Verdict:
    url = f"{settings.url}/asterisk/info"
    token = base64.b64encode(f"{settings.username}:{settings.password.reveal()}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url, headers=headers) as response,
        ):
            body = await response.text()
            status = response.status
    except (TimeoutError, aiohttp.ClientConnectionError, OSError) as exc:
        return Verdict(
            False,
            f"cannot reach ARI at {settings.url}: {_network_reason(exc)}",
            "is http.conf enabled = yes with bindaddr/bindport matching [ari] url, and ari.conf enabled?",
        )
    if status == 401:
        return Verdict(
            False,
            f"ARI refused user '{settings.username}': 401 Authentication required",
            f"[ari] username/password must match a [{settings.username}] type=user in ari.conf",
        )
    if status != 200:
        return Verdict(
            False,
            f"ARI at {settings.url} answered {status} to GET /asterisk/info",
            "[ari] url must end in /ari (e.g. http://127.0.0.1:8088/ari) and res_ari must be loaded",
        )
    try:
        version = json.loads(body).get("system", {}).get("version", "unknown version")
    except (ValueError, AttributeError):
        return Verdict(False, f"ARI at {settings.url} answered with something that is not ARI JSON", "check [ari] url")
    return Verdict(True, f"ARI at {settings.url} answers as {settings.username} (Asterisk {version})")
