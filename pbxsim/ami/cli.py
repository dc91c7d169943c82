"""The sliver of the Asterisk CLI reachable through `Action: Command`.

A command is a tuple of words mapped to a function that returns output lines; the AMI layer turns each
line into an `Output:` header (transcripts/ami_misc_and_errors.txt). Unknown commands answer like
main/cli.c: `No such command '<as typed>' (type 'core show help <best>' for other possible commands)` with
the Command action's response set to Error (NOTES AMI 14).

`<best>` is cli.c `find_best()`: add the typed words one at a time while *some* registered command could
still match with a mismatch only on its last word (find_cli(..., -1)). Real Asterisk always has the
one-word command `!`, so the first word is always kept; that is why the recorded
`no such cli command` suggests `core show help no such`. The simulator's table is tiny, so for deep
unknown commands under real prefixes (say `core show foo`) the suggestion can be shorter than a real box's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pbxsim.core import Core

CliHandler = Callable[[Core], list[str]]


@dataclass(frozen=True)
class CliResult:
    success: bool
    lines: list[str]


def _core_show_version(core: Core) -> list[str]:
    ident = core.identity
    build = ident.build
    # main/cli.c handle_version; recorded: "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on
    # 2026-11-24 11:12:40 UTC"
    return [
        f"Asterisk {ident.version} built by {build.user} @ {build.host} on a {build.machine} "
        f"running {build.os} on {build.date}"
    ]


COMMANDS: dict[tuple[str, ...], CliHandler] = {
    ("core", "show", "version"): _core_show_version,
}

# Words of commands that exist on a real box but are not simulated; they only steer find_best().
_SHAPE_ONLY: tuple[tuple[str, ...], ...] = (("!",), ("core", "show", "help"))

# manager.c command_blacklist: refused before the CLI sees them.
_BLACKLIST: tuple[tuple[str, ...], ...] = (("module", "load"), ("module", "unload"))

BLACKLISTED = "Command blacklisted"


def split_words(text: str) -> list[str]:
    """cli.c parse_args() for unquoted input: words separated by spaces/tabs."""
    return [word for word in re.split(r"[ \t]+", text) if word]


def is_blacklisted(text: str) -> bool:
    words = [word.lower() for word in split_words(text)]
    return any(tuple(words[: len(entry)]) == entry for entry in _BLACKLIST)


def _find_best(words: list[str]) -> str:
    known = [tuple(w.lower() for w in cmd) for cmd in (*COMMANDS, *_SHAPE_ONLY)]
    taken: list[str] = []
    for word in words:
        taken.append(word)
        prefix = tuple(w.lower() for w in taken[:-1])
        if not any(len(cmd) == len(taken) and cmd[:-1] == prefix for cmd in known):
            break
    return " ".join(taken)


def run(core: Core, text: str) -> CliResult:
    """Execute one CLI command line as ast_cli_command() would."""
    words = split_words(text)
    handler = COMMANDS.get(tuple(word.lower() for word in words))
    if handler is None:
        return CliResult(
            False,
            [f"No such command '{text}' (type 'core show help {_find_best(words)}' for other possible commands)"],
        )
    return CliResult(True, handler(core))
