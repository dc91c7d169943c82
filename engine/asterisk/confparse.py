"""A small, pure parser for Asterisk's configuration file syntax, used to check rendered configuration.

It understands what the shipped files use and what an operator is likely to add: sections `[name]`,
templates `[name](!)`, inheritance `[name](tmpl1,tmpl2)`, appending `[name](+)`, `key = value` and
`key => value`, `;` comments (with `\\;` as a literal semicolon), `;-- ... --;` block comments (nestable,
as in Asterisk), and `#include` / `#tryinclude` (with globs). It never raises for bad input: every line
it cannot make sense of becomes a `Problem` carrying file and line, so a test can print them all at once.

Differences from Asterisk, on purpose: a relative `#include` is resolved against the including file's
directory (Asterisk uses its config directory, which is the same for files that live there, and the
rendered tree is laid out so both agree), and `#exec` is reported instead of run.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<opts>[^)]*)\))?$")
_DIRECTIVE = re.compile(r"^#(?P<cmd>[A-Za-z]+)\s*(?P<arg>.*)$")
# Asterisk has no fixed limit other than recursion; ten levels is far beyond any sane layout.
_MAX_INCLUDE_DEPTH = 10


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(slots=True)
class Section:
    name: str
    is_template: bool
    templates: tuple[str, ...]
    path: Path
    line: int
    # Copied from the templates when the section is opened, as Asterisk does, then the section's own.
    inherited: list[tuple[str, str]] = field(default_factory=list)
    entries: list[tuple[str, str]] = field(default_factory=list)

    def items(self) -> list[tuple[str, str]]:
        """Every setting in effect: inherited ones first, so a later (own) value wins in `get`."""
        return [*self.inherited, *self.entries]

    def get(self, key: str) -> str | None:
        values = self.values(key)
        return values[-1] if values else None

    def values(self, key: str) -> list[str]:
        return [value for name, value in self.items() if name == key]


@dataclass(slots=True)
class ConfFile:
    path: Path
    sections: list[Section] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    included: list[Path] = field(default_factory=list)

    def named(self, name: str) -> list[Section]:
        """All sections called `name` (pjsip.conf reuses one name for endpoint, auth and aor)."""
        return [section for section in self.sections if section.name == name]

    def section(self, name: str, type_: str | None = None) -> Section:
        """The one section called `name` (with `type = type_` when given); KeyError if not exactly one."""
        found = [s for s in self.named(name) if type_ is None or s.get("type") == type_]
        if len(found) != 1:
            raise KeyError(f"{self.path}: expected one section [{name}] type={type_}, found {len(found)}")
        return found[0]


def strip_comments(line: str, depth: int) -> tuple[str, int]:
    """The line without comments, and the block-comment depth after it (`;--` opens, `--;` closes)."""
    out: list[str] = []
    i = 0
    while i < len(line):
        if depth > 0:
            if line.startswith("--;", i):
                depth -= 1
                i += 3
            elif line.startswith(";--", i):
                depth += 1
                i += 3
            else:
                i += 1
            continue
        char = line[i]
        if char == "\\" and line.startswith(";", i + 1):
            out.append(";")  # an escaped semicolon is data, as in Asterisk
            i += 2
        elif line.startswith(";--", i):
            depth += 1
            i += 3
        elif char == ";":
            break
        else:
            out.append(char)
            i += 1
    return "".join(out), depth


class _Parser:
    def __init__(self, result: ConfFile) -> None:
        self.result = result
        self.current: Section | None = None
        self.stack: list[Path] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        self.result.problems.append(Problem(path, line, message))

    def parse_text(self, text: str, path: Path) -> None:
        self.stack.append(path)
        depth = 0
        opened_at = 0
        for number, raw in enumerate(text.splitlines(), start=1):
            before = depth
            data, depth = strip_comments(raw, depth)
            if before == 0 and depth > 0:
                opened_at = number
            self.parse_line(data.strip(), path, number)
        if depth > 0:
            self.problem(path, opened_at, "block comment ';--' is never closed with '--;'")
        self.stack.pop()

    def parse_line(self, data: str, path: Path, number: int) -> None:
        if not data:
            return
        if data.startswith("#"):
            self.directive(data, path, number)
        elif data.startswith("["):
            self.open_section(data, path, number)
        elif "=" in data:
            self.setting(data, path, number)
        else:
            self.problem(path, number, f"neither a [section], a key = value nor a #include: {data[:40]!r}")

    def directive(self, data: str, path: Path, number: int) -> None:
        match = _DIRECTIVE.match(data)
        if match is None or match["cmd"] not in ("include", "tryinclude"):
            self.problem(path, number, f"unsupported directive: {data[:40]!r}")
            return
        target = match["arg"].strip()
        if len(target) >= 2 and (target[0], target[-1]) in (('"', '"'), ("<", ">")):
            target = target[1:-1].strip()
        if not target:
            self.problem(path, number, f"#{match['cmd']} without a file name")
            return
        full = Path(target) if Path(target).is_absolute() else path.parent / target
        if glob.has_magic(str(full)):
            files = sorted(Path(name) for name in glob.glob(str(full)))
        else:
            files = [full] if full.is_file() else []
        if not files:
            if match["cmd"] == "include":
                self.problem(path, number, f"#include {target!r} does not resolve (looked for {full})")
            return
        for file in files:
            self.include(file, path, number)

    def include(self, file: Path, path: Path, number: int) -> None:
        if file.resolve() in (p.resolve() for p in self.stack):
            self.problem(path, number, f"#include of {file} would recurse")
            return
        if len(self.stack) >= _MAX_INCLUDE_DEPTH:
            self.problem(path, number, f"#include of {file} nests deeper than {_MAX_INCLUDE_DEPTH} files")
            return
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(path, number, f"#include {file} cannot be read: {exc}")
            return
        self.result.included.append(file)
        self.parse_text(text, file)

    def open_section(self, data: str, path: Path, number: int) -> None:
        match = _SECTION.match(data)
        if match is None:
            self.problem(path, number, f"malformed section header: {data[:40]!r}")
            self.current = None
            return
        name = match["name"].strip()
        options = [o.strip() for o in (match["opts"] or "").split(",") if o.strip()]
        if "+" in options:
            # [name](+) adds to the section of that name opened before, it is not a new section.
            earlier = [s for s in self.result.sections if s.name == name]
            if not earlier:
                self.problem(path, number, f"[{name}](+) appends to a section that was not defined before")
            self.current = earlier[-1] if earlier else None
            return
        templates = tuple(o for o in options if o != "!")
        section = Section(name, "!" in options, templates, path, number)
        for template in templates:
            # Asterisk looks the template up among the sections already read, so order matters.
            source = [s for s in self.result.sections if s.name == template]
            if not source:
                self.problem(path, number, f"[{name}] uses template {template!r}, not defined before it")
                continue
            section.inherited.extend(source[-1].items())
        self.result.sections.append(section)
        self.current = section

    def setting(self, data: str, path: Path, number: int) -> None:
        key, _, value = data.partition("=")
        value = value[1:] if value.startswith(">") else value
        key = key.strip()
        if not key:
            self.problem(path, number, f"setting without a name: {data[:40]!r}")
        elif self.current is None:
            self.problem(path, number, f"setting {key!r} outside of any [section]")
        else:
            self.current.entries.append((key, value.strip()))


def parse_config_text(text: str, path: Path) -> ConfFile:
    """Parse `text` as if read from `path` (includes resolve against `path`'s directory)."""
    result = ConfFile(path)
    _Parser(result).parse_text(text, path)
    return result


def parse_config(path: Path) -> ConfFile:
    """Parse the file at `path` and whatever it includes; an unreadable file is reported as a problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        result = ConfFile(path)
        result.problems.append(Problem(path, 0, f"cannot read: {exc}"))
        return result
    return parse_config_text(text, path)
