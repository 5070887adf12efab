"""WAVE (WebAssembly Value Encoding), as printed by `wasmtime run --invoke`.

Just enough of the grammar for the values of `wrk:zoom/action` and
`wrk:zoom/trigger`: records, lists, tuples, strings, chars, numbers, bools,
labels (enum cases, `none`, a bare `ok`, variant cases without payload) and
cases with a payload (`some(..)`, `ok(..)`, `err(..)`, variant cases). Also
the writer for arguments.

As a program, `python3 wave_value.py < FILE` prints the file's exact text as
one WAVE string literal, e.g. a webhook event for a trigger's `map-event`.

Parsed values:
  record  -> dict (kebab-case keys as printed; omitted option fields are absent)
  list    -> list;  tuple -> tuple
  string  -> str;   char -> str;  integer -> int;  float -> float
  true / false -> bool
  label   -> Label("name");  label(payload) -> Case("name", payload)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Label:
    name: str


@dataclass(frozen=True)
class Case:
    name: str
    payload: Any


class WaveError(ValueError):
    pass


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def fail(self, what: str) -> WaveError:
        return WaveError(f"WAVE: {what} at offset {self.i}: {self.s[self.i:self.i + 40]!r}")

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.fail(f"expected {ch!r}")
        self.i += 1

    def value(self) -> Any:
        c = self.peek()
        if c == "":
            raise self.fail("unexpected end")
        if c == "{":
            return self.record()
        if c == "[":
            self.i += 1
            return self.seq("]")
        if c == "(":
            self.i += 1
            return tuple(self.seq(")"))
        if c == '"':
            return self.string()
        if c == "'":
            return self.char()
        if c == "-" or c.isdigit():
            return self.number()
        if c.isalpha() or c == "%":
            return self.label_or_case()
        raise self.fail("unexpected character")

    def seq(self, close: str) -> list:
        items = []
        if self.peek() == close:
            self.i += 1
            return items
        while True:
            items.append(self.value())
            c = self.peek()
            self.i += 1
            if c == close:
                return items
            if c != ",":
                self.i -= 1
                raise self.fail(f"expected ',' or {close!r}")
            if self.peek() == close:  # trailing comma
                self.i += 1
                return items

    def record(self) -> dict:
        self.expect("{")
        if self.peek() == ":":
            self.i += 1
            self.expect("}")
            return {}
        if self.peek() == "}":  # empty flags
            self.i += 1
            return {}
        out: dict = {}
        while True:
            key = self.label()
            if self.peek() == ":":
                self.i += 1
                if key in out:
                    raise self.fail(f"duplicate field {key}")
                out[key] = self.value()
            else:  # flags: {a, b}
                out[key] = True
            c = self.peek()
            self.i += 1
            if c == "}":
                return out
            if c != ",":
                self.i -= 1
                raise self.fail("expected ',' or '}'")
            if self.peek() == "}":
                self.i += 1
                return out

    def label(self) -> str:
        self.ws()
        start = self.i
        if self.i < len(self.s) and self.s[self.i] == "%":
            self.i += 1
            start = self.i
        while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] == "-"):
            self.i += 1
        if self.i == start:
            raise self.fail("expected a label")
        return self.s[start:self.i]

    def label_or_case(self) -> Any:
        escaped = self.peek() == "%"
        name = self.label()
        if not escaped and name in ("true", "false"):
            return name == "true"
        if not escaped and name in ("nan", "inf"):
            return math.nan if name == "nan" else math.inf
        if self.peek() == "(":
            self.i += 1
            payload = self.value()
            self.expect(")")
            return Case(name, payload)
        return Label(name)

    def number(self) -> Any:
        start = self.i
        if self.s[self.i] == "-":
            self.i += 1
            if self.s.startswith("inf", self.i):
                self.i += 3
                return -math.inf
        while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in ".+-"):
            if self.s[self.i] in "+-" and self.s[self.i - 1] not in "eE":
                break
            self.i += 1
        text = self.s[start:self.i]
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise self.fail(f"bad number {text!r}") from None

    def escape(self) -> str:
        c = self.s[self.i]
        self.i += 1
        if c in _ESCAPES:
            return _ESCAPES[c]
        if c == "u" and self.s[self.i] == "{":
            end = self.s.index("}", self.i)
            code = int(self.s[self.i + 1:end], 16)
            self.i = end + 1
            return chr(code)
        raise self.fail(f"unknown escape \\{c}")

    def string(self) -> str:
        if self.s.startswith('"""', self.i):
            return self.multiline()
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                raise self.fail("unterminated string")
            c = self.s[self.i]
            self.i += 1
            if c == '"':
                return "".join(out)
            if c == "\\":
                out.append(self.escape())
            else:
                out.append(c)

    def multiline(self) -> str:
        self.i += 3
        if self.s[self.i] == "\r":
            self.i += 1
        if self.s[self.i] != "\n":
            raise self.fail('a multiline string starts with """ and a newline')
        self.i += 1
        out = []
        while not self.s.startswith('"""', self.i):
            if self.i >= len(self.s):
                raise self.fail("unterminated multiline string")
            c = self.s[self.i]
            self.i += 1
            out.append(self.escape() if c == "\\" else c)
        self.i += 3
        text = "".join(out)
        # The closing line's indentation is removed from every line.
        lines = text.split("\n")
        indent = lines[-1]
        if indent.strip():
            raise self.fail("text before closing \"\"\"")
        return "\n".join(l[len(indent):] if l.startswith(indent) else l for l in lines[:-1])

    def char(self) -> str:
        self.i += 1
        c = self.s[self.i]
        self.i += 1
        if c == "\\":
            c = self.escape()
        if self.s[self.i] != "'":
            raise self.fail("unterminated char")
        self.i += 1
        return c


def parse(text: str) -> Any:
    """Parses one WAVE value (surrounding whitespace allowed)."""
    p = _Parser(text)
    v = p.value()
    p.ws()
    if p.i != len(p.s):
        raise p.fail("trailing text")
    return v


def string(value: str) -> str:
    """A WAVE string literal for `value`: `"`, `\\`, newline, CR and tab escaped
    as `\\"`, `\\\\`, `\\n`, `\\r`, `\\t`, other control characters as `\\u{..}`,
    everything else (non-ASCII included) as itself."""
    out = ['"']
    for c in value:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\u{%x}" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def params(pairs: list[tuple[str, str]]) -> str:
    """`list<tuple<string, string>>` in WAVE."""
    return "[" + ", ".join(f"({string(k)}, {string(v)})" for k, v in pairs) + "]"


def connection(access_token: str, api_base: str) -> str:
    """The `connection` record in WAVE."""
    return f"{{access-token: {string(access_token)}, api-base: {string(api_base)}}}"


if __name__ == "__main__":
    import sys

    # Bytes in and out: the text exactly (no newline translation, no locale).
    text = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(string(text).encode("utf-8") + b"\n")
