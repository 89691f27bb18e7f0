# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Applicability: which terms of an intel document Threat Response may not evaluate.

Walks a validated IntelDocument, gives each indicator item a level from the one table in
_applicability_terms.py (known, probable, unknown) and reports every term that is not known.
It warns; it never decides whether a document may be uploaded.
"""

from __future__ import annotations

import json
import re

from ansible_collections.tanium.threat_response.plugins.module_utils import _applicability_terms as terms
from ansible_collections.tanium.threat_response.plugins.module_utils._formats_xml import (
    OPENIOC_10_NS,
    OPENIOC_11_NS,
    parse_xml,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats_yara import yara_outline

# parse_xml keys namespaced attributes as "uri}local", without the "{" it gives element tags.
_XSI_TYPE = "http://www.w3.org/2001/XMLSchema-instance}type"
_CYBOX_PROPERTIES = "{http://cybox.mitre.org/cybox-2}Properties"
_TYPE_LABELS = {"openioc": "OpenIOC", "stix": "STIX", "cybox": "CybOX", "yara": "YARA", "tanium-signal": "signal"}


def applicability_report(document) -> dict:
    """{"known": N, "probable": N, "unknown": N, "findings": [{"term", "level", "detail"}, ...]}.

    The counts are indicator items (OpenIOC IndicatorItems, CybOX objects' Properties and STIX test
    mechanisms, YARA rules, signal expression terms); `findings` holds every distinct term that is not known,
    unknown ones first, then by term.
    """
    if document.type == "openioc":
        tally = _openioc_tally(document.content)
    elif document.type in ("stix", "cybox"):
        tally = _stix_tally(document.content)
    elif document.type == "yara":
        tally = _yara_tally(document.content)
    else:
        tally = _signal_tally(json.loads(document.content)["contents"])
    return tally.report()


def unknown_terms(report: dict) -> list:
    return [finding["term"] for finding in report["findings"] if finding["level"] == terms.UNKNOWN]


def applicability_warning(document, report: dict) -> str | None:
    """One line naming the unknown terms of a document, or None when it has none."""
    unknown = unknown_terms(report)
    if not unknown:
        return None
    where = document.name if document.source == "content" else document.source
    return (f"{where}: Threat Response may not evaluate {len(unknown)} term(s) of this "
            f"{_TYPE_LABELS[document.type]} document ({report['unknown']} of "
            f"{_item_total(report)} item(s)): {', '.join(unknown)}. See docs/applicability.md; "
            "`applicability: ignore` silences this")


def summary_line(path_or_name: str, report: dict) -> str:
    counts = f"{report['known']} known, {report['probable']} probable, {report['unknown']} unknown item(s)"
    unknown = unknown_terms(report)
    if unknown:
        return f"{path_or_name}: {counts}; unknown: {', '.join(unknown)}"
    return f"{path_or_name}: {counts}"


def _item_total(report: dict) -> int:
    return sum(report[level] for level in terms.LEVELS)


class _Tally:
    """Counts items per level and collects the non-known terms with how many items use them."""

    def __init__(self, item_noun: str):
        self.item_noun = item_noun
        self.counts = dict.fromkeys(terms.LEVELS, 0)
        self.uses = {}  # term -> [TermRule, number of items using it, what kind of term it is]
        self.written = {}  # term -> (level, detail): findings that are not a table entry

    def item(self, level: str, count: int = 1) -> None:
        self.counts[level] += count

    def term(self, term: str, rule, kind: str = "") -> None:
        if rule.level != terms.KNOWN:
            self.uses.setdefault(term, [rule, 0, kind])[1] += 1

    def finding(self, term: str, level: str, detail: str) -> None:
        self.written[term] = (level, detail)

    def report(self) -> dict:
        findings = [{"term": term, "level": level, "detail": detail} for term, (level, detail) in self.written.items()]
        for term, (rule, uses, kind) in self.uses.items():
            noun = self.item_noun if uses == 1 else self.item_noun + "s"
            detail = f"{kind}used by {uses} {noun}; {rule.reason} ({rule.source})"
            findings.append({"term": term, "level": rule.level, "detail": detail})
        # Unknown before probable, then by term: the same document always gives the same list.
        findings.sort(key=lambda finding: (-terms.LEVELS.index(finding["level"]), finding["term"]))
        return dict(self.counts, findings=findings)


def _lookup(table: dict, term: str, unlisted):
    """The rule for `term`: its own entry, else the longest "prefix*" entry covering it."""
    if term in table:
        return table[term]
    covering = [key for key in table if key.endswith("*") and term.startswith(key[:-1])]
    return table[max(covering, key=len)] if covering else unlisted


def _openioc_tally(content: bytes) -> _Tally:
    tally = _Tally("indicator item")
    root = parse_xml(content).root
    for namespace in (OPENIOC_10_NS, OPENIOC_11_NS):
        for item in root.iter(f"{{{namespace}}}IndicatorItem"):
            context = item.find(f"{{{namespace}}}Context")
            search = (context.get("search") or "").strip() if context is not None else ""
            term = search or "(IndicatorItem without Context/@search)"
            rule = _lookup(terms.OPENIOC_TERMS, term, terms.UNLISTED["openioc"])
            tally.item(rule.level)
            tally.term(term, rule)
    return tally


def _stix_tally(content: bytes) -> _Tally:
    tally = _Tally("item")
    by_local_name = {key.split(":", 1)[1]: key for key in terms.STIX_TERMS if ":" in key}
    for element in parse_xml(content).root.iter():
        written = element.get(_XSI_TYPE)
        if not written:
            continue
        local_name = written.rsplit(":", 1)[-1]
        if element.tag == _CYBOX_PROPERTIES:
            term = by_local_name.get(local_name, written)
        elif _is_test_mechanism(element.tag):
            term = f"Test_Mechanism/{local_name}"
        else:
            continue
        rule = _lookup(terms.STIX_TERMS, term, terms.UNLISTED["stix"])
        tally.item(rule.level)
        tally.term(term, rule)
    return tally


def _is_test_mechanism(tag: str) -> bool:
    # The indicator namespace is versioned ("Indicator-2"), so only its prefix is fixed.
    return tag.startswith("{http://stix.mitre.org/Indicator-") and tag.endswith("}Test_Mechanism")


def _yara_tally(content: bytes) -> _Tally:
    tally = _Tally("rule")
    imports, rule_count = yara_outline(content.decode("utf-8-sig"))
    unsupported = [module for module in imports if module not in terms.YARA_MODULES]
    # A compiler that lacks one imported module rejects the whole file, so every rule is in doubt.
    tally.item(terms.UNKNOWN if unsupported else terms.KNOWN, rule_count)
    rule = terms.UNLISTED["yara"]
    for module in unsupported:
        tally.finding(f'import "{module}"', rule.level,
                      f"{rule.reason}; the file has {rule_count} rule{'' if rule_count == 1 else 's'} ({rule.source})")
    return tally


def _signal_tally(expression: str) -> _Tally:
    tally = _Tally("expression term")
    try:
        parsed = SignalExpression(expression).terms()
    except SignalSyntaxError as error:
        tally.item(terms.UNKNOWN)
        tally.finding("signal expression", terms.UNKNOWN,
                      f"does not parse: {error}; Threat Response validates signals for syntax and supported "
                      "terms and conditions (T2, T4), so it may refuse this one")
        return tally
    for field, condition in parsed:
        field_rule = _lookup(terms.SIGNAL_PROPERTIES, field, terms.UNLISTED["signal-property"])
        condition_rule = terms.SIGNAL_CONDITIONS[condition]
        tally.item(max(field_rule.level, condition_rule.level, key=terms.LEVELS.index))
        tally.term(field, field_rule)
        tally.term(condition, condition_rule, "condition ")
    return tally


class SignalSyntaxError(ValueError):
    """Where and why a signal expression does not parse."""


_SPACE = re.compile(r"\s*")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_.])")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'", re.DOTALL)
_BARE_VALUE = re.compile(r"[^\s()']+")
_CONNECTIVE = re.compile(r"(AND|OR)(?=[\s(]|$)", re.IGNORECASE)


def _condition_pattern(condition: str) -> re.Pattern:
    # "ends  with" matches "ends with"; a word condition must end at a word's end, "<" must not be "<=".
    end = r"(?![A-Za-z0-9_])" if condition[-1].isalnum() else r"(?![=<>!])"
    return re.compile(r"\s+".join(re.escape(word) for word in condition.split()) + end, re.IGNORECASE)


# Longest first, so "contains not" wins over "contains" and "<=" over "<".
_CONDITIONS = [(condition, _condition_pattern(condition))
               for condition in sorted(terms.SIGNAL_CONDITIONS, key=len, reverse=True)]


class SignalExpression:
    """The check's grammar: object.property condition value, joined by AND / OR, grouped by parentheses;
    a value is 'quoted' (backslash escapes) or one bare word; the conditions are the table's."""

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
            raise self._error(f"unknown condition after {field} (conditions: {', '.join(sorted(terms.SIGNAL_CONDITIONS))})")
        self._skip_space()
        if self.text.startswith("'", self.position) and not _QUOTED.match(self.text, self.position):
            raise self._error("unterminated quoted value")
        if self._take(_QUOTED) is None and self._take(_BARE_VALUE) is None:
            raise self._error(f"expected a value after {field} {condition}")
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
