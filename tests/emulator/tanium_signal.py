"""Tanium Signal documents: validate the JSON body and compile the query text (docs/wire-format.md#intel-documents).

Query grammar (the observed subset; the full grammar is UNKNOWN):
    expr := and_expr ("OR" and_expr)*        and_expr := term ("AND" term)*
    term := ["NOT"] ( "(" expr ")" | object "." property condition ('value' | number) )
"""

from __future__ import annotations

import json
import re

PLATFORMS = ("windows", "linux", "mac")
# Longest first so "not contains" wins over "contains".
CONDITIONS = (
    "does not contain", "not starts with", "not ends with", "not contains", "not equals",
    "contains not", "starts with not", "ends with not",
    "starts with", "ends with", "contains", "equals", "matches", "is not", "is",
    "!=", "==", ">=", "<=", "=", ">", "<",
)
_NEGATED = {"does not contain": "contains", "not starts with": "starts with",
            "not ends with": "ends with", "not contains": "contains", "not equals": "equals",
            "contains not": "contains", "starts with not": "starts with", "ends with not": "ends with",
            "is not": "is", "!=": "=="}
_TOKEN = re.compile(r"""\s*(?:(?P<lparen>\()|(?P<rparen>\))|'(?P<quoted>(?:[^'\\]|\\.)*)'"""
                    r"""|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])|(?P<field>[A-Za-z_]\w*\.[A-Za-z_]\w*)"""
                    r"""|(?P<word>[A-Za-z_]\w*|!=|==|>=|<=|=|>|<))""")


class SignalRejected(ValueError):
    """The signal JSON is missing something or its query does not parse."""


def build_signal(body: dict) -> dict:
    """Validate a signal JSON body; return the stored document (the server-built `contents`)."""
    contents = body.get("contents")
    if not isinstance(contents, str) or not contents.strip():
        raise SignalRejected("signal 'contents' must be a non-empty string")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SignalRejected("signal 'name' must be a non-empty string")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise SignalRejected("signal 'description' must be a string")
    platforms = body.get("platforms")
    if (not isinstance(platforms, list) or not platforms
            or any(p not in PLATFORMS for p in platforms)):
        raise SignalRejected(f"signal 'platforms' must be a non-empty list of {list(PLATFORMS)}")
    syntax_version = body.get("syntax_version", 1)
    if not isinstance(syntax_version, int) or isinstance(syntax_version, bool) or syntax_version < 1:
        raise SignalRejected("signal 'syntax_version' must be a positive integer")
    mitre = body.get("mitreAttack")
    if mitre is not None and not (isinstance(mitre, dict) and isinstance(mitre.get("techniques", []), list)):
        raise SignalRejected("signal 'mitreAttack' must be an object like {\"techniques\": [...]}")
    signal_id = body.get("id")
    if signal_id is not None and not isinstance(signal_id, str):
        raise SignalRejected("signal 'id' must be a string")
    compile_query(contents, syntax_version)
    return {"id": signal_id, "name": name, "description": description, "contents": contents,
            "syntax_version": syntax_version, "mitreAttack": mitre, "platforms": platforms}


def compile_query(text: str, syntax_version: int) -> dict:
    tokens = _tokenize(text)
    compiled, pos = _parse_or(tokens, 0)
    if pos != len(tokens):
        raise SignalRejected(f"signal query: unexpected {tokens[pos][1]!r}")
    compiled["text"] = text
    compiled["syntax_version"] = syntax_version
    return compiled


def stored_contents(document: dict) -> str:
    """The JSON text TR stores for a signal; its md5/size are the document's md5/size."""
    return json.dumps(document, separators=(",", ":"))


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise SignalRejected(f"signal query: cannot parse at character {pos + 1}: {text[pos:pos + 20]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _parse_or(tokens: list, pos: int) -> tuple[dict, int]:
    groups = []
    group, pos = _parse_and(tokens, pos)
    groups.append(group)
    while pos < len(tokens) and _is_keyword(tokens[pos], "OR"):
        group, pos = _parse_and(tokens, pos + 1)
        groups.append(group)
    if len(groups) == 1:
        return groups[0], pos
    return _merge(groups, "or"), pos


def _parse_and(tokens: list, pos: int) -> tuple[dict, int]:
    parts = []
    part, pos = _parse_term(tokens, pos)
    parts.append(part)
    while pos < len(tokens) and _is_keyword(tokens[pos], "AND"):
        part, pos = _parse_term(tokens, pos + 1)
        parts.append(part)
    return _merge(parts, "and"), pos


def _merge(parts: list[dict], operator: str) -> dict:
    node = {"expressions": [], "terms": [], "operator": operator}
    for part in parts:
        if "object" in part:
            node["terms"].append(part)
        elif part["operator"] == operator:
            node["terms"].extend(part["terms"])
            node["expressions"].extend(part["expressions"])
        elif len(part["terms"]) == 1 and not part["expressions"]:
            node["terms"].extend(part["terms"])
        else:
            node["expressions"].append(part)
    return node


def _parse_term(tokens: list, pos: int) -> tuple[dict, int]:
    if pos >= len(tokens):
        raise SignalRejected("signal query: unexpected end of query")
    kind, value = tokens[pos]
    if _is_keyword(tokens[pos], "NOT") and pos + 1 < len(tokens) and tokens[pos + 1][0] in ("field", "lparen"):
        inner, pos = _parse_term(tokens, pos + 1)
        if "object" not in inner and len(inner["terms"]) == 1 and not inner["expressions"]:
            inner = inner["terms"][0]  # "not (a)" negates the term a itself
        return dict(inner, negate=not inner.get("negate", False)), pos
    if kind == "lparen":
        inner, pos = _parse_or(tokens, pos + 1)
        if pos >= len(tokens) or tokens[pos][0] != "rparen":
            raise SignalRejected("signal query: missing ')'")
        return inner, pos + 1
    if kind != "field":
        raise SignalRejected(f"signal query: expected object.property, found {value!r}")
    obj, prop = value.split(".", 1)
    condition, pos = _parse_condition(tokens, pos + 1)
    if pos >= len(tokens) or tokens[pos][0] not in ("quoted", "number"):
        raise SignalRejected(f"signal query: {value} {condition} needs a quoted value")
    literal = tokens[pos][1]
    if tokens[pos][0] == "quoted":
        literal = re.sub(r"\\(.)", r"\1", literal)
    negate = condition in _NEGATED
    return {"condition": _NEGATED.get(condition, condition), "negate": negate, "value": literal,
            "object": obj, "property": prop}, pos + 1


def _parse_condition(tokens: list, pos: int) -> tuple[str, int]:
    words = []
    for kind, value in tokens[pos:pos + 3]:
        if kind != "word":
            break
        words.append(value.lower())
    for length in (3, 2, 1):
        phrase = " ".join(words[:length])
        if len(words) >= length and phrase in CONDITIONS:
            return phrase, pos + length
    found = tokens[pos][1] if pos < len(tokens) else "end of query"
    raise SignalRejected(f"signal query: unknown condition {found!r}")


def _is_keyword(token: tuple[str, str], word: str) -> bool:
    return token[0] == "word" and token[1].upper() == word
