# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A checker for YARA rule files, so rules the server's compiler rejects are refused before any upload.

It is not a YARA compiler: it tokenizes the text (comments, "strings", /regexes/, { hex strings })
and checks what a compiler certainly rejects: no rules, a rule without `condition:`, unclosed
braces or strings, duplicate rule names, and in each condition every name: a `$a`, `#a`, `@a` or
`!a` must name a declared string, a declared string must be used, an identifier must be a keyword,
an earlier rule, a loop variable or an imported module. A file whose rules are all commented out
compiles to zero rules; it is refused too, since uploading it would deploy nothing.

The verdict is this module's alone, whether yara-python is installed or not (the tests compare it
with yara-python over a published corpus). External variables are not refused: they are reported
(YaraOutline.externals) because Threat Response defines none, so such a rule may never match.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from dataclasses import dataclass

# The modules Threat Response's YARA 4.3.1 offers (docs/wire-format.md#intel-documents), plus `console` from YARA itself;
# an identifier `pe.` etc. needs its `import "pe"`.
YARA_MODULES = frozenset(
    ("pe", "elf", "dotnet", "hash", "cuckoo", "math", "magic", "macho", "dex", "string", "time", "console")
)
# External variables that widely shared rule sets (LOKI/THOR conventions) expect the scanner to
# define. A rule using one is accepted with an `unknown` finding; any other unknown name is refused.
YARA_EXTERNALS = ("filename", "filepath", "extension", "filetype", "owner")

_SECTIONS = ("meta", "strings", "condition")
_RESERVED = frozenset(
    "all and any ascii at base64 base64wide condition contains defined endswith entrypoint false "
    "filesize for fullword global import icontains iendswith iequals in include istartswith matches "
    "meta nocase none not of or private rule startswith strings them true wide xor".split()
)
# Names a condition may use besides keywords: YARA's built-in functions and values.
_BUILTINS = frozenset(
    ["filesize", "entrypoint", "KB", "MB", "with"]
    + [f"{sign}int{bits}{endian}" for sign in ("", "u") for bits in (8, 16, 32) for endian in ("", "be")]
)


@dataclass(frozen=True)
class YaraOutline:
    """What the check found in a file it accepts: the applicability report reads it."""

    imports: tuple  # module names, in file order without repeats
    rule_count: int
    externals: tuple  # the external variables its conditions use, in file order without repeats


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


def check_yara(text: str) -> YaraOutline:
    """Raise YaraProblem for a file the server would reject; describe the file otherwise."""
    lines = _Lines(text)
    tokens = list(_tokenize(text, lines))
    return _check_structure(tokens, lines)


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


def _check_structure(tokens: list, lines: _Lines) -> YaraOutline:
    imports, rules, duplicates, externals = {}, {}, [], {}
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
            imports[argument.text[1:-1]] = None
            index += 2
        elif token.kind == "ident" and token.text in ("private", "global", "rule"):
            rule, index = _read_rule(tokens, index, lines)
            if rule.name in rules:
                duplicates.append(f"'{rule.name}' (lines {lines.of(rules[rule.name])} and {lines.of(rule.position)})")
            else:
                _check_names(rule, imports, rules, externals, lines)
                rules[rule.name] = rule.position
        else:
            raise YaraProblem(
                f"unexpected {token.text!r} at line {lines.of(token.position)}: expected import or a rule"
            )
    if duplicates:
        raise YaraProblem("duplicate rule name " + ", ".join(duplicates))
    if not rules:
        raise YaraProblem("no YARA rules found (only comments or imports)")
    return YaraOutline(tuple(imports), len(rules), tuple(externals))


@dataclass(frozen=True)
class _Rule:
    name: str
    position: int
    strings: tuple  # declared string identifiers with their tokens, "$" for anonymous ones
    condition: list  # the condition's tokens


def _read_rule(tokens: list, index: int, lines: _Lines) -> tuple:
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
    end, sections = _rule_sections(tokens, index + 1, name, lines)
    strings = tuple(token for position, token in enumerate(sections.get("strings", ()))
                    if token.kind == "strid" and _is_declaration(sections["strings"], position))
    return _Rule(name, name_token.position, strings, sections["condition"]), end + 1


def _is_declaration(section: list, position: int) -> bool:
    following = section[position + 1] if position + 1 < len(section) else None
    return following is not None and following.text == "="


def _rule_sections(tokens: list, index: int, name: str, lines: _Lines) -> tuple:
    """(the index of the `}` that closes the rule, {section name: its tokens})."""
    section, sections = None, {}
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
            sections.setdefault(section, [])
            index += 2
            continue
        if section is not None:
            sections[section].append(token)
        index += 1
    else:
        raise YaraProblem(f"rule {name} is not closed: missing '}}' at the end of the file")
    if section != "condition":
        raise YaraProblem(f"rule {name} has no condition: section")
    if not sections["condition"]:
        raise YaraProblem(f"rule {name} has an empty condition")
    return index, sections


def _check_names(rule: _Rule, imports: dict, earlier_rules: dict, externals: dict, lines: _Lines) -> None:
    """Every name in the condition must resolve, and every declared string must be used (as a compiler says)."""
    declared = {token.text[1:]: token for token in rule.strings if token.text != "$"}
    used, loop_variables, condition = set(), set(), rule.condition
    everything = False  # `them` or `$*` uses every string
    for position, token in enumerate(condition):
        previous = condition[position - 1] if position else None
        following = condition[position + 1] if position + 1 < len(condition) else None
        where = f"rule {rule.name} (line {lines.of(token.position)})"
        if token.kind == "strid":
            identifier = token.text[1:]
            if identifier in ("", "*"):  # anonymous inside `for ... of`, or every string
                everything = everything or identifier == "*"
                continue
            matched = fnmatch.filter(declared, identifier) if identifier.endswith("*") else (
                [identifier] if identifier in declared else [])
            if not matched:
                raise YaraProblem(f"{where}: {token.text} names no string declared in the rule (undefined string "
                                  f"\"${identifier}\")")
            used.update(matched)
            continue
        if token.kind != "ident" or (previous is not None and previous.text == "."):
            continue
        if token.text == "them":
            everything = True
        elif token.text in _RESERVED or token.text in _BUILTINS or token.text in loop_variables:
            pass
        elif token.text in imports:
            pass
        elif token.text in YARA_MODULES and following is not None and following.text == ".":
            raise YaraProblem(f"{where}: uses module '{token.text}' but the file has no import \"{token.text}\"")
        elif _declares_variable(condition, position):
            loop_variables.add(token.text)
        elif token.text in earlier_rules or _matches_rule_set(condition, position, earlier_rules):
            pass
        elif token.text in YARA_EXTERNALS:
            externals[token.text] = None
        else:
            raise YaraProblem(f"{where}: undefined identifier \"{token.text}\" (not a rule defined above it, a "
                              "declared variable, a module or a keyword)")
    unused = [text for text in declared if text not in used and not text.startswith("_")]
    if unused and not everything:
        raise YaraProblem(f"rule {rule.name}: string ${unused[0]} is declared but not used in the condition "
                          f"(unreferenced string; YARA refuses it)")


def _declares_variable(condition: list, position: int) -> bool:
    """`for any i, j in ...` and `with x = ...` bring the names that follow into scope."""
    cursor = position - 1
    while cursor >= 0 and condition[cursor].text == "," and cursor - 1 >= 0 and condition[cursor - 1].kind == "ident":
        cursor -= 2
    if cursor < 0:
        return False
    before = condition[cursor]
    if before.text == "with" or (before.text == "," and _inside_with(condition, cursor)):
        return True
    # `for <quantifier> <names> in`: the quantifier is any/all/none, a number or a variable.
    return cursor - 1 >= 0 and condition[cursor - 1].text == "for" and _names_end_with_in(condition, position)


def _inside_with(condition: list, cursor: int) -> bool:
    depth = 0
    for token in reversed(condition[:cursor]):
        depth += {")": 1, "(": -1}.get(token.text, 0)
        if depth < 0 or token.text == ":":
            return False
        if token.text == "with" and depth == 0:
            return True
    return False


def _names_end_with_in(condition: list, position: int) -> bool:
    cursor = position + 1
    while cursor + 1 < len(condition) and condition[cursor].text == "," and condition[cursor + 1].kind == "ident":
        cursor += 2
    return cursor < len(condition) and condition[cursor].text == "in"


def _matches_rule_set(condition: list, position: int, earlier_rules: dict) -> bool:
    # `any of (Rule_*)`: a wildcard over rule names defined above.
    following = condition[position + 1] if position + 1 < len(condition) else None
    return following is not None and following.text == "*" and any(
        name.startswith(condition[position].text) for name in earlier_rules)
