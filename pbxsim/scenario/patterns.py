"""Number patterns in Asterisk's extension syntax, to generate caller numbers and to match destinations.

    _X.          a leading "_" marks a pattern (optional here: every string is read as one)
    X Z N        one digit 0-9, 1-9, 2-9
    [15-7]       one of the characters listed (ranges allowed)
    .  !         one or more / zero or more of anything (matching only: a generated number needs a length)
    anything else, literally (digits, "+", "*", "#")

`NumberPattern.generate(rng)` draws a number (each class uniformly); `matches(number)` tests one.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

_CLASSES = {"X": "0123456789", "Z": "123456789", "N": "23456789"}


def _parse(text: str) -> list[str]:
    """Split into tokens: a character set (string of allowed characters), "." or "!", or a literal."""
    body = text[1:] if text.startswith("_") else text
    if not body:
        raise ValueError("empty pattern")
    tokens: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        upper = char.upper()
        if upper in _CLASSES:
            tokens.append("set:" + _CLASSES[upper])
        elif char == "[":
            end = body.find("]", index)
            if end < 0:
                raise ValueError(f"unclosed '[' in {text!r}")
            tokens.append("set:" + _expand(body[index + 1 : end], text))
            index = end
        elif char in ".!":
            tokens.append(char)
        elif char.isdigit() or char in "+*#":
            tokens.append("lit:" + char)
        else:
            raise ValueError(f"unexpected {char!r} in {text!r} (digits, + * #, X Z N, [..], . and ! only)")
        index += 1
    return tokens


def _expand(inner: str, text: str) -> str:
    chars: list[str] = []
    index = 0
    while index < len(inner):
        if index + 2 < len(inner) and inner[index + 1] == "-":
            low, high = inner[index], inner[index + 2]
            if low > high:
                raise ValueError(f"bad range {low}-{high} in {text!r}")
            chars.extend(chr(code) for code in range(ord(low), ord(high) + 1))
            index += 3
        else:
            chars.append(inner[index])
            index += 1
    if not chars:
        raise ValueError(f"empty [] in {text!r}")
    return "".join(dict.fromkeys(chars))


@dataclass(frozen=True)
class NumberPattern:
    text: str
    _tokens: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tokens = tuple(_parse(self.text))
        parts = []
        for token in tokens:
            if token == ".":
                parts.append(".+")
            elif token == "!":
                parts.append(".*")
            elif token.startswith("set:"):
                parts.append("[" + re.escape(token[4:]) + "]")
            else:
                parts.append(re.escape(token[4:]))
        object.__setattr__(self, "_tokens", tokens)
        object.__setattr__(self, "_regex", re.compile("".join(parts)))

    @property
    def can_generate(self) -> bool:
        return all(token not in (".", "!") for token in self._tokens)

    def matches(self, number: str) -> bool:
        return self._regex.fullmatch(number) is not None

    def generate(self, rng: random.Random) -> str:
        if not self.can_generate:
            raise ValueError(f"{self.text!r} has no fixed length ('.' or '!'): it cannot generate numbers")
        return "".join(rng.choice(token[4:]) if token.startswith("set:") else token[4:] for token in self._tokens)
