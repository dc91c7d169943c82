"""Render the sample Asterisk configuration and the entry dialplans from the callhive settings.

Templates live in the repository, `asterisk-conf/templates/*.conf.j2` and `dialplans/templates/*.conf.j2`.
`render_asterisk_config` writes a tree laid out like /etc/asterisk (`*.conf` plus `dialplans/*.conf`, so the
`#include dialplans/...` lines of extensions.conf resolve the same way as on a real box);
`render_in_repo` writes each rendered file next to its template folder, which is how the repository ships
them (rendered with the built-in defaults, checked by a test so templates and files never drift).

Output depends only on the settings and the templates: no timestamps, no host names, sorted file order.
Values from the settings are checked before they land in a file, because a `;` or a newline in a password
would silently cut or inject configuration.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from engine.config import Settings
from engine.errors import CallhiveError
from engine.secret import masked_url

TEMPLATE_SUFFIX = ".j2"
# Where the templates live, relative to the repository root, and where their output goes inside a deploy
# tree (out_dir) - "" for the top level, like /etc/asterisk itself.
TEMPLATE_SETS: tuple[tuple[str, str], ...] = (("asterisk-conf", ""), ("dialplans", "dialplans"))

# The SIP softphones of the sample; the engine adds them to queues as PJSIP/<number>.
AGENTS: tuple[str, ...] = ("1001", "1002", "1003", "1004")
FALLBACK_QUEUE = "fallback"
VOICEMAIL_CONTEXT = "callhive"
FALLBACK_MAILBOX = "9000"
# Name of the (commented-out) SIP trunk endpoint the outbound dialplan dials through.
OUTBOUND_TRUNK = "trunk"

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True, slots=True)
class Rendered:
    """One rendered file: where it goes (relative, POSIX) and which template it came from."""

    target: str
    template: str
    text: str


def repo_root() -> Path:
    # The same directory as Path(engine.__file__).parent.parent; computed from this module because
    # `engine` may be a namespace package (no __init__.py), whose __file__ is None.
    return Path(__file__).resolve().parent.parent.parent


def _template_dir(root: Path, folder: str) -> Path:
    path = root / folder / "templates"
    if not path.is_dir():
        raise CallhiveError(
            f"Asterisk template folder not found: {path} "
            "(`callhive asterisk render` needs a source checkout of the callhive repository)"
        )
    return path


def _conf_value(value: object) -> str:
    """A value safe on the right of `=`: no line breaks, no edge spaces, `;` escaped as `\\;`."""
    text = str(value)
    if any(ch in text for ch in "\r\n\0"):
        raise CallhiveError("a value for the Asterisk configuration contains a line break")
    if text != text.strip():
        raise CallhiveError("a value for the Asterisk configuration starts or ends with a space")
    return text.replace(";", "\\;")


def _conf_name(value: object) -> str:
    """A section or user name: Asterisk cannot quote `]`, `;`, `,` or spaces there, so refuse them."""
    text = str(value)
    if not _SAFE_NAME.match(text):
        raise CallhiveError(f"{text!r} cannot be used as an Asterisk section name (letters, digits, . _ -)")
    return text


def _bind_address(host: str) -> str:
    """The address to listen on for `host`; a DNS name cannot be bound, so listen everywhere."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return "0.0.0.0"


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _http_prefix(url: str) -> str:
    """http.conf `prefix` for an ARI URL: /ari -> "", /asterisk/ari -> "asterisk"."""
    path = urlsplit(url).path.rstrip("/")
    if not path.endswith("/ari"):
        raise CallhiveError(f"the ARI URL {masked_url(url)} must end in /ari: Asterisk serves ARI at <prefix>/ari")
    return path[: -len("/ari")].strip("/")


def template_context(settings: Settings) -> dict[str, object]:
    """Everything the templates may use; StrictUndefined turns a typo in a template into an error."""
    ami_bind = _bind_address(settings.ami.host)
    ari_bind = _bind_address(settings.ari.host)
    return {
        "ami": {
            "bindaddr": ami_bind,
            "loopback": _is_loopback(ami_bind),
            "port": settings.ami.port,
            "username": _conf_name(settings.ami.username),
            "secret": _conf_value(settings.ami.secret.reveal()),
        },
        "ari": {
            "bindaddr": ari_bind,
            "loopback": _is_loopback(ari_bind),
            "port": settings.ari.port,
            "tls": urlsplit(settings.ari.url).scheme == "https",
            "prefix": _http_prefix(settings.ari.url),
            "username": _conf_name(settings.ari.username),
            "password": _conf_value(settings.ari.password.reveal()),
            "app": _conf_name(settings.ari.app),
        },
        "agents": AGENTS,
        "fallback_queue": FALLBACK_QUEUE,
        "voicemail_context": VOICEMAIL_CONTEXT,
        "fallback_mailbox": FALLBACK_MAILBOX,
        "outbound_trunk": OUTBOUND_TRUNK,
    }


def _environment(root: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # Block tags on their own line leave no blank line behind; the output reads like a hand-written file.
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _header(template: str) -> str:
    return (
        f"; Generated by `callhive asterisk render` from {template}.\n"
        "; Edit the template and render again: changes made here are overwritten.\n"
        "\n"
    )


def render_texts(settings: Settings, root: Path | None = None) -> list[Rendered]:
    """Render every template in memory, sorted by target; nothing is written."""
    base = repo_root() if root is None else root
    folders = [(folder, sub, _template_dir(base, folder)) for folder, sub in TEMPLATE_SETS]
    env = _environment(base)
    context = template_context(settings)
    sources = [
        (folder, sub, source)
        for folder, sub, directory in folders
        for source in sorted(directory.glob(f"*.conf{TEMPLATE_SUFFIX}"))
    ]
    # extensions.conf #includes every file of the dialplans/ subfolder, so a new template is picked up.
    context["dialplan_files"] = [
        f"{sub}/{source.name.removesuffix(TEMPLATE_SUFFIX)}" for _, sub, source in sources if sub
    ]
    rendered: list[Rendered] = []
    for folder, sub, source in sources:
        name = f"{folder}/templates/{source.name}"
        try:
            body = env.get_template(name).render(context)
        except jinja2.TemplateError as exc:
            raise CallhiveError(f"{name}: cannot render: {exc}") from None
        target = source.name.removesuffix(TEMPLATE_SUFFIX)
        rendered.append(Rendered(f"{sub}/{target}" if sub else target, name, _header(name) + body))
    return sorted(rendered, key=lambda item: item.target)


def _write(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # newline="\n": the same bytes on every platform, or the in-repo drift test would fail on Windows.
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise CallhiveError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def render_asterisk_config(settings: Settings, out_dir: Path) -> list[Path]:
    """Write a deploy-ready tree (copy it to /etc/asterisk): out_dir/*.conf and out_dir/dialplans/*.conf."""
    return [_write(out_dir / item.target, item.text) for item in render_texts(settings)]


def render_in_repo(settings: Settings) -> list[Path]:
    """Write asterisk-conf/*.conf and dialplans/*.conf next to their templates; returns the paths."""
    root = repo_root()
    folder_of = dict((sub, folder) for folder, sub in TEMPLATE_SETS)
    written: list[Path] = []
    for item in render_texts(settings, root):
        sub, _, name = item.target.rpartition("/")
        written.append(_write(root / folder_of[sub] / name, item.text))
    return written
