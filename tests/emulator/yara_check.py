"""A YARA check: what a YARA compiler would refuse, without needing libyara.

It tokenizes (comments, text/hex strings and regular expressions become single tokens), then
checks each rule's shape: a name, balanced braces, a non-empty `condition:` section, no duplicate
rule names, and the names in each condition as libyara resolves them: strings declared and used,
identifiers that are keywords, loop variables, earlier rules or imported modules. The scanner
externals of widely shared rule sets are taken as defined (whether the server defines them is
unknown; the collection reports them).
"""

from __future__ import annotations

import fnmatch
import re

MODULES = frozenset({
    "pe", "elf", "cuckoo", "magic", "hash", "math", "dotnet", "time", "console", "string",
    "macho", "dex", "lnk",
})
EXTERNALS = frozenset({"filename", "filepath", "extension", "filetype", "owner"})
_BUILTINS = frozenset({"filesize", "entrypoint", "KB", "MB", "with"}
                      | {f"{s}int{b}{e}" for s in ("", "u") for b in (8, 16, 32) for e in ("", "be")})
_RESERVED = frozenset({
    "all", "and", "any", "ascii", "at", "base64", "base64wide", "condition", "contains", "entrypoint",
    "false", "filesize", "for", "fullword", "global", "import", "in", "include", "matches", "meta",
    "nocase", "none", "not", "of", "or", "private", "rule", "strings", "them", "true", "wide", "xor",
    "defined", "icontains", "iendswith", "iequals", "istartswith", "endswith", "startswith",
})
# One pass over the text. A regex literal or hex string is a single token together with the
# "=" (or "matches") that opens it, so braces and slashes inside never confuse the parse.
# Alternatives inside the hex/regex bodies never overlap, so unterminated ones fail fast.
_REGEX_BODY = r"/(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])*/[is]*"
_TOKEN = re.compile(r"""
    (?P<skip>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<open_comment>/\*)
  | (?P<text>"(?:[^"\\\n]|\\.)*")
  | (?P<open_text>")
  | (?P<hex>(?<![=!<>])=\s*\{(?:[^}/]|//[^\n]*|/\*.*?\*/|/(?![/*]))*\})
  | (?P<regex>(?:(?<![=!<>])=|\bmatches)\s*""" + _REGEX_BODY + r""")
  # A regex argument, e.g. pe.exports(/x/): `/` outside comments always opens a regex (division is `\`).
  | (?P<argument_regex>""" + _REGEX_BODY + r""")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>0x[0-9A-Fa-f]+|0o[0-7]+|\d+(?:\.\d+)?(?:KB|MB)?)
  | (?P<ref>[$#@!][A-Za-z0-9_]*\*?)
  | (?P<op>\.\.|==|!=|<=|>=|<<|>>|.)
""", re.VERBOSE | re.DOTALL)


class YaraRejected(ValueError):
    """The text is not a YARA rule file a compiler would accept."""


def check_yara(text: str) -> list[str]:
    """Return the rule names of `text`, or raise YaraRejected."""
    return _Checker(text).rule_names()


class _Checker:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)

    def fail(self, offset: int, message: str) -> YaraRejected:
        return YaraRejected(f"line {_line(self.text, offset)}: {message}")

    def rule_names(self) -> list[str]:
        tokens, imports, names, pos = self.tokens, set(), [], 0
        while pos < len(tokens):
            kind, value, at = tokens[pos]
            if kind == "ident" and value in ("import", "include"):
                if pos + 1 >= len(tokens) or tokens[pos + 1][0] != "text":
                    raise self.fail(at, f"{value} needs a quoted string")
                if value == "include":  # the server compiles the one uploaded file: nothing to include
                    raise self.fail(at, f"can not open include file: {tokens[pos + 1][1]}")
                imports.add(tokens[pos + 1][1])
                pos += 2
                continue
            while kind == "ident" and value in ("private", "global") and pos + 1 < len(tokens):
                pos += 1
                kind, value, at = tokens[pos]
            if (kind, value) != ("ident", "rule"):
                raise self.fail(at, f"syntax error, unexpected {value!r}, expecting 'rule'")
            pos, name = self._rule(pos + 1, at, imports, names)
            if name in names:
                raise self.fail(at, f'duplicated identifier "{name}"')
            names.append(name)
        return names

    def _rule(self, pos: int, at: int, imports: set[str], earlier: list) -> tuple[int, str]:
        tokens = self.tokens
        if pos >= len(tokens) or tokens[pos][0] != "ident" or tokens[pos][1] in _RESERVED:
            raise self.fail(at, "'rule' must be followed by a rule name")
        name = tokens[pos][1]
        pos += 1
        if pos < len(tokens) and tokens[pos][1] == ":":  # tags
            pos += 1
            while pos < len(tokens) and tokens[pos][0] == "ident":
                pos += 1
        if pos >= len(tokens) or tokens[pos][1] != "{":
            raise self.fail(at, f'rule "{name}": expecting "{{" after the rule name')
        depth, start = 1, pos + 1
        pos += 1
        while pos < len(tokens) and depth:
            if tokens[pos][0] == "op" and tokens[pos][1] in "{}":
                depth += 1 if tokens[pos][1] == "{" else -1
            pos += 1
        if depth:
            raise self.fail(len(self.text), f'rule "{name}": syntax error, unexpected end of file, '
                                            f'expecting "}}"')
        condition = _condition_tokens(tokens[start:pos - 1])
        if condition is None:
            raise self.fail(at, f'rule "{name}" has no condition section')
        if not condition:
            raise self.fail(at, f'rule "{name}" has an empty condition')
        for index, (kind, value, offset) in enumerate(condition):
            follows_dot = index > 0 and condition[index - 1][1] == "."
            calls_member = index + 1 < len(condition) and condition[index + 1][1] == "."
            if kind == "ident" and value in MODULES and calls_member and not follows_dot and value not in imports:
                raise self.fail(offset, f'rule "{name}": undefined identifier "{value}"')
        self._names(name, _declared_strings(tokens[start:pos - 1]), condition, imports, earlier)
        return pos, name

    def _names(self, name: str, declared: list, condition: list, imports: set, earlier: list) -> None:
        used, local, every = set(), set(), False
        for index, (kind, value, offset) in enumerate(condition):
            before = condition[index - 1][1] if index else ""
            if kind == "ref":
                if value[1:] in ("", "*"):
                    every = every or value[1:] == "*"
                    continue
                hits = fnmatch.filter(declared, value[1:]) if value.endswith("*") else [
                    value[1:]] if value[1:] in declared else []
                if not hits:
                    raise self.fail(offset, f'rule "{name}": undefined string "${value[1:]}"')
                used.update(hits)
            elif kind == "ident" and before != ".":
                if value == "them":
                    every = True
                elif _binds(condition, index):
                    local.add(value)
                elif not (value in _RESERVED or value in _BUILTINS or value in local or value in imports
                          or value in EXTERNALS or value in earlier
                          or (index + 1 < len(condition) and condition[index + 1][1] == "*"
                              and any(rule.startswith(value) for rule in earlier))):
                    raise self.fail(offset, f'rule "{name}": undefined identifier "{value}"')
        unused = [string for string in declared if string not in used and not string.startswith("_")]
        if unused and not every:
            raise self.fail(0, f'rule "{name}": unreferenced string "${unused[0]}"')


def _declared_strings(body: list) -> list:
    """The names of the strings a rule body declares ($name followed by = or by a hex/regex token)."""
    names = []
    for index, (kind, value, _offset) in enumerate(body[:-1]):
        following = body[index + 1]
        if kind == "ref" and value.startswith("$") and (following[1] == "=" or following[0] in ("hex", "regex")):
            if value != "$":
                names.append(value[1:])
    return names


def _binds(condition: list, index: int) -> bool:
    """`for <quantifier> a, b in` and `with a = ...` bring names into scope."""
    back = index - 1
    while back >= 1 and condition[back][1] == "," and condition[back - 1][0] == "ident":
        back -= 2
    if back < 0:
        return False
    if condition[back][1] == "with" or condition[back][1] == ",":
        return condition[back][1] == "with" or any(token[1] == "with" for token in condition[:back])
    ahead = index + 1
    while ahead + 1 < len(condition) and condition[ahead][1] == "," and condition[ahead + 1][0] == "ident":
        ahead += 2
    return back >= 1 and condition[back - 1][1] == "for" and ahead < len(condition) and condition[ahead][1] == "in"


def _condition_tokens(body: list) -> list | None:
    for index in range(len(body) - 1):
        if body[index][:2] == ("ident", "condition") and body[index + 1][1] == ":":
            return body[index + 2:]
    return None


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """Tokens as (kind, value, offset), comments and whitespace left out."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "skip":
            continue
        if kind == "open_comment":
            raise YaraRejected(f"line {_line(text, match.start())}: unterminated comment")
        if kind == "open_text":
            raise YaraRejected(f"line {_line(text, match.start())}: unterminated string")
        value = match.group()[1:-1] if kind == "text" else match.group()
        tokens.append((kind, value, match.start()))
    return tokens


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
