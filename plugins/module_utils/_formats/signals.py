# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tanium signal documents: the JSON fields and the expression in `contents` (docs/wire-format.md#intel-documents).

A signal whose expression does not parse is refused here, before anything is written: the server
validates signals for syntax (T2, T4), so uploading one would fail half-way through a rollout.
"""

from __future__ import annotations

import json
import re

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import strict_json
from ansible_collections.tanium.threat_response.plugins.module_utils._formats import applicability_terms as terms

SIGNAL_KEYS = ("name", "description", "platforms", "contents", "id", "syntax_version", "mitreAttack")
PLATFORMS = ("windows", "linux", "mac")


class SignalProblem(ValueError):
    """What is wrong with a signal document, in one line, without the file name."""


class SignalSyntaxError(SignalProblem):
    """Where and why a signal expression does not parse."""


def load_json(text: str):
    """The one place signal JSON is decoded: strictly (no NaN, Infinity or inexact numbers)."""
    return strict_json.loads(text)


def check_signal(data: dict) -> list:
    """Raise SignalProblem for a signal the server would refuse; return its [(object.property, condition)]."""
    if not _non_blank(data.get("contents")):
        raise SignalProblem("is not a Tanium signal: it needs a non-empty string 'contents' (the signal expression)")
    if not _non_blank(data.get("name")):
        raise SignalProblem("Tanium signal needs a non-empty string 'name'")
    unknown = sorted(set(data) - set(SIGNAL_KEYS))
    if unknown:
        raise SignalProblem(f"Tanium signal has unknown field(s) {', '.join(unknown)}; "
                            f"a signal holds {', '.join(SIGNAL_KEYS)}")
    platforms = data.get("platforms")
    # Required: every public client sends it (docs/wire-format.md#intel-documents), and whether the server takes a
    # signal without platforms is unknown, so refusing here beats failing half-way through a run.
    if not (isinstance(platforms, list) and platforms and all(p in PLATFORMS for p in platforms)):
        raise SignalProblem(f"Tanium signal 'platforms' must be a non-empty list of {', '.join(PLATFORMS)}, "
                            f"not {json.dumps(platforms)[:80]}")
    if not isinstance(data.get("description"), (str, type(None))):
        raise SignalProblem("Tanium signal 'description' must be a string")
    if data.get("id") is not None and not _non_blank(data["id"]):
        raise SignalProblem("Tanium signal 'id' must be a non-empty string")
    version = data.get("syntax_version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise SignalProblem("Tanium signal 'syntax_version' must be a positive integer")
    if not isinstance(data.get("mitreAttack"), (dict, type(None))):
        raise SignalProblem("Tanium signal 'mitreAttack' must be an object")
    try:
        return SignalExpression(data["contents"]).terms()
    except SignalSyntaxError as error:
        raise SignalProblem(f"Tanium signal 'contents' does not parse: {error}") from None


def signal_fields(signal) -> dict | None:
    """What decides whether a signal changed: its name, description, contents and platforms.

    `signal` is the server's `contents` (the stored signal as a JSON string), our canonical body or
    a decoded dict. The server re-serialises signals, so their md5 cannot be predicted. Returns
    None when there is no JSON object to compare, which never equals a document's fields.
    """
    if isinstance(signal, (str, bytes)):
        try:
            signal = load_json(signal)
        except ValueError:
            return None
    if not isinstance(signal, dict):
        return None
    platforms = signal.get("platforms")
    return {
        "name": signal.get("name") or "",
        "description": signal.get("description") or "",
        "contents": signal.get("contents") or "",
        "platforms": sorted({p for p in platforms if isinstance(p, str)}) if isinstance(platforms, list) else [],
    }


def signal_bytes(body: dict) -> bytes:
    # ASCII-only output: lone surrogates that JSON escapes allow could not be encoded as UTF-8.
    return json.dumps(body, separators=(",", ":")).encode("ascii")


_SPACE = re.compile(r"\s*")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_.])")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'", re.DOTALL)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?![A-Za-z0-9_.])")
_CONNECTIVE = re.compile(r"(AND|OR)(?=[\s(]|$)", re.IGNORECASE)
_NOT = re.compile(r"NOT(?=[\s(])", re.IGNORECASE)


def _condition_pattern(condition: str) -> re.Pattern:
    # "ends  with" matches "ends with"; a word condition must end at a word's end, "<" must not be "<=".
    end = r"(?![A-Za-z0-9_])" if condition[-1].isalnum() else r"(?![=<>!])"
    return re.compile(r"\s+".join(re.escape(word) for word in condition.split()) + end, re.IGNORECASE)


# Longest first, so "contains not" wins over "contains" and "<=" over "<".
_CONDITIONS = [(condition, _condition_pattern(condition))
               for condition in sorted(terms.SIGNAL_CONDITIONS, key=len, reverse=True)]


class SignalExpression:
    """The grammar: [NOT] object.property condition value, joined by AND / OR, grouped by parentheses
    (NOT may also precede a group); a value is 'quoted' (backslash escapes) or a number; the
    conditions are the applicability table's."""

    def __init__(self, text: str):
        self.text = text
        self.position = 0
        self.found = []

    def terms(self) -> list:
        """[(object.property, condition)] in order; SignalSyntaxError when the text does not parse."""
        self._expression()
        self._skip_space()
        if self.position < len(self.text):
            raise self._error("expected AND, OR or the end of the expression")
        return self.found

    def _expression(self) -> None:
        self._operand()
        while self._take(_CONNECTIVE):
            self._operand()

    def _operand(self) -> None:
        self._take(_NOT)
        if self._take_text("("):
            self._expression()
            if not self._take_text(")"):
                raise self._error("expected ')'")
            return
        field = self._take(_FIELD)
        if field is None:
            raise self._error("expected object.property or '('")
        condition = next((name for name, pattern in _CONDITIONS if self._take(pattern)), None)
        if condition is None:
            raise self._error(f"unknown condition after {field} "
                              f"(conditions: {', '.join(sorted(terms.SIGNAL_CONDITIONS))})")
        self._skip_space()
        if self.text.startswith("'", self.position) and not _QUOTED.match(self.text, self.position):
            raise self._error("unterminated quoted value")
        if self._take(_QUOTED) is None and self._take(_NUMBER) is None:
            raise self._error(f"expected a 'quoted' value or a number after {field} {condition}")
        self.found.append((field, condition))

    def _skip_space(self) -> None:
        self.position = _SPACE.match(self.text, self.position).end()

    def _take(self, pattern: re.Pattern) -> str | None:
        self._skip_space()
        match = pattern.match(self.text, self.position)
        if match is None:
            return None
        self.position = match.end()
        return match.group()

    def _take_text(self, literal: str) -> bool:
        self._skip_space()
        if self.text.startswith(literal, self.position):
            self.position += len(literal)
            return True
        return False

    def _error(self, problem: str) -> SignalSyntaxError:
        rest = self.text[self.position:self.position + 24]
        found = f"found {rest!r}" if rest else "found the end"
        return SignalSyntaxError(f"at character {self.position + 1}: {problem}; {found}")


def _non_blank(value) -> bool:
    return isinstance(value, str) and bool(value.strip())
