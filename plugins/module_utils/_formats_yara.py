# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A structural checker for YARA rule files, so broken rules are refused before any upload.

It is not a YARA compiler: it tokenizes the text (comments, "strings", /regexes/, { hex strings })
and checks what the server's compiler would certainly reject: no rules, a rule without
`condition:`, unclosed braces or strings, duplicate rule names and modules used without `import`.
A file whose rules are all commented out compiles to zero rules; it is refused too, since uploading
it would deploy nothing. When the optional yara-python package is installed, the text is also compiled.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# The modules Threat Response's YARA 4.3.1 offers (reference §10), plus `console` from YARA itself;
# an identifier `pe.` etc. needs its `import "pe"`.
YARA_MODULES = frozenset(
    ("pe", "elf", "dotnet", "hash", "cuckoo", "math", "magic", "macho", "dex", "string", "time", "console")
)
# External variables that widely shared rule sets (LOKI/THOR conventions) expect the scanner to
# define. yara-python is given them as empty strings so such files compile here; whether Threat
# Response defines them is UNKNOWN.
YARA_EXTERNALS = {"filename": "", "filepath": "", "extension": "", "filetype": "", "owner": ""}

_SECTIONS = ("meta", "strings", "condition")
_RESERVED = frozenset(
    "all and any ascii at base64 base64wide condition contains defined endswith entrypoint false "
    "filesize for fullword global import icontains iendswith iequals in include istartswith matches "
    "meta nocase none not of or private rule startswith strings them true wide xor".split()
)


class YaraProblem(ValueError):
    """What is wrong with a YARA document, in one line, without the file name."""


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, string, regex, hex, number, strid, op
    text: str
    position: int


_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_ID = re.compile(r"[$#@!][A-Za-z0-9_]*\*?")
_NUMBER = re.compile(r"0x[0-9A-Fa-f]+|0o[0-7]+|[0-9]+(?:\.[0-9]+)?(?:KB|MB)?")
_OPERATOR = re.compile(r"\.\.|==|!=|<=|>=|<<|>>|[-+*\\%&|^~<>=().,:\[\]{}]")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
# In YARA `/` is never division (that is `\`), so outside comments it always opens a regex.
_REGEX = re.compile(r"/(?:[^/\\\n]|\\.)+/[is]*")
_NOT_EQUAL = re.compile(r"!=")
_HEX_BODY = re.compile(r"(?:[0-9A-Fa-f?\[\]\-()|~ \t\r\n]|//[^\n]*|/\*.*?\*/)*", re.DOTALL)


def check_yara(text: str) -> int:
    """Raise YaraProblem for a file the server would reject; return the number of rules."""
    lines = _Lines(text)
    tokens = list(_tokenize(text, lines))
    rule_count = _check_structure(tokens, lines)
    _compile_if_possible(text)
    return rule_count


def yara_outline(text: str) -> tuple:
    """(the modules the file imports, in file order without repeats, its number of rules), for a file
    that check_yara accepts; the applicability check compares the imports with what the server offers."""
    lines = _Lines(text)
    tokens = list(_tokenize(text, lines))
    imports = dict.fromkeys(
        argument.text[1:-1]
        for keyword, argument in zip(tokens, tokens[1:])
        if keyword.kind == "ident" and keyword.text == "import" and argument.kind == "string"
    )
    return tuple(imports), _check_structure(tokens, lines)


class _Lines:
    def __init__(self, text: str):
        self._starts = [match.end() for match in re.finditer("\n", text)]

    def of(self, position: int) -> int:
        return bisect.bisect_right(self._starts, position) + 1


def _tokenize(text: str, lines: _Lines):
    position, length, previous = 0, len(text), None
    while position < length:
        space = _SPACE.match(text, position)
        if space:
            position = space.end()
            continue
        char = text[position]
        if text.startswith("//", position):
            end = text.find("\n", position)
            position = length if end < 0 else end
            continue
        if text.startswith("/*", position):
            end = text.find("*/", position + 2)
            if end < 0:  # YARA would silently drop every rule after it
                raise YaraProblem(f"unterminated /* comment starting at line {lines.of(position)}")
            position = end + 2
            continue
        if char == "{" and previous is not None and previous.text == "=" and previous.kind == "op":
            token = _hex_string(text, position, lines)
        elif char == '"':
            token = _match(_STRING, text, position, "string", lines, "unterminated string")
        elif char == "/":
            token = _match(_REGEX, text, position, "regex", lines, "unterminated regular expression")
        else:
            token = _simple_token(text, position, lines)
        yield token
        previous = token
        position += len(token.text)


def _hex_string(text: str, position: int, lines: _Lines) -> _Token:
    body_end = _HEX_BODY.match(text, position + 1).end()
    if body_end >= len(text):
        raise YaraProblem(f"unterminated hex string starting at line {lines.of(position)}")
    if text[body_end] != "}":
        raise YaraProblem(f"invalid character {text[body_end]!r} in hex string starting at line {lines.of(position)}")
    return _Token("hex", text[position:body_end + 1], position)


def _match(pattern: re.Pattern, text: str, position: int, kind: str, lines: _Lines, problem: str) -> _Token:
    match = pattern.match(text, position)
    if match is None:
        raise YaraProblem(f"{problem} at line {lines.of(position)}")
    return _Token(kind, match.group(), position)


def _simple_token(text: str, position: int, lines: _Lines) -> _Token:
    # `!=` before `!name` (a string length reference); identifiers before numbers.
    for kind, pattern in (("op", _NOT_EQUAL), ("ident", _IDENT), ("strid", _STRING_ID), ("number", _NUMBER),
                          ("op", _OPERATOR)):
        match = pattern.match(text, position)
        if match:
            return _Token(kind, match.group(), position)
    raise YaraProblem(f"unexpected character {text[position]!r} at line {lines.of(position)}")


def _check_structure(tokens: list, lines: _Lines) -> int:
    imports, rules, duplicates = set(), {}, []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "ident" and token.text in ("import", "include"):
            argument = tokens[index + 1] if index + 1 < len(tokens) else None
            if argument is None or argument.kind != "string":
                raise YaraProblem(f"{token.text} at line {lines.of(token.position)} needs a quoted name")
            if token.text == "include":
                raise YaraProblem(
                    f"include {argument.text} at line {lines.of(token.position)}: the server receives one file, "
                    "so included files would be missing"
                )
            imports.add(argument.text[1:-1])
            index += 2
        elif token.kind == "ident" and token.text in ("private", "global", "rule"):
            name, name_position, index = _check_rule(tokens, index, imports, lines)
            if name in rules:
                duplicates.append(f"'{name}' (lines {lines.of(rules[name])} and {lines.of(name_position)})")
            else:
                rules[name] = name_position
        else:
            raise YaraProblem(
                f"unexpected {token.text!r} at line {lines.of(token.position)}: expected import or a rule"
            )
    if duplicates:
        raise YaraProblem("duplicate rule name " + ", ".join(duplicates))
    if not rules:
        raise YaraProblem("no YARA rules found (only comments or imports)")
    return len(rules)


def _check_rule(tokens: list, index: int, imports: set, lines: _Lines) -> tuple:
    start = tokens[index]
    while index < len(tokens) and tokens[index].text in ("private", "global"):
        index += 1
    if index >= len(tokens) or tokens[index].text != "rule":
        raise YaraProblem(f"expected 'rule' after {start.text!r} at line {lines.of(start.position)}")
    name_token = tokens[index + 1] if index + 1 < len(tokens) else None
    if name_token is None or name_token.kind != "ident" or name_token.text in _RESERVED:
        raise YaraProblem(f"expected a rule name after 'rule' at line {lines.of(tokens[index].position)}")
    name, index = name_token.text, index + 2
    while index < len(tokens) and (tokens[index].text == ":" or tokens[index].kind == "ident"):
        index += 1  # tags
    if index >= len(tokens) or tokens[index].text != "{":
        raise YaraProblem(f"rule {name} (line {lines.of(name_token.position)}): expected '{{' after the rule header")
    end = _check_rule_body(tokens, index + 1, name, imports, lines)
    return name, name_token.position, end + 1


def _check_rule_body(tokens: list, index: int, name: str, imports: set, lines: _Lines) -> int:
    """Return the index of the `}` that closes the rule."""
    section, condition_tokens = None, 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "op" and token.text == "}":
            break
        if token.kind == "ident" and token.text == "rule":
            raise YaraProblem(
                f"rule {name} is not closed with '}}' before the next rule at line {lines.of(token.position)}"
            )
        if token.kind == "op" and token.text == "{":
            raise YaraProblem(f"rule {name}: unexpected '{{' at line {lines.of(token.position)}")
        if token.kind == "ident" and following is not None and following.text == ":" and section != "condition":
            if token.text not in _SECTIONS:
                raise YaraProblem(
                    f"rule {name}: unknown section '{token.text}:' at line {lines.of(token.position)} "
                    "(expected meta:, strings: or condition:)"
                )
            section = token.text
            index += 2
            continue
        if section == "condition":
            condition_tokens += 1
            if token.kind == "ident" and token.text in YARA_MODULES and following is not None and following.text == ".":
                if token.text not in imports:
                    raise YaraProblem(
                        f"rule {name} uses module '{token.text}' at line {lines.of(token.position)} "
                        f'but the file has no import "{token.text}"'
                    )
        index += 1
    else:
        raise YaraProblem(f"rule {name} is not closed: missing '}}' at the end of the file")
    if section != "condition":
        raise YaraProblem(f"rule {name} has no condition: section")
    if not condition_tokens:
        raise YaraProblem(f"rule {name} has an empty condition")
    return index


def _compile_if_possible(text: str) -> None:
    try:
        import yara  # optional: never a dependency of the collection
    except ImportError:
        return
    try:
        yara.compile(source=text, externals=YARA_EXTERNALS)
    except yara.Error as error:
        raise YaraProblem(f"YARA compiler: {error}") from None
