# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Applicability: which terms of an intel document Threat Response may not evaluate.

Walks a validated IntelDocument, gives each indicator item a level from the one table in
_formats/applicability_terms.py (known, probable, unknown) and reports every term that is not known.
It reads what the format checks parsed (IntelDocument.parsed), so the bytes are parsed once.
It warns; it never decides whether a document may be uploaded.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import applicability_terms as terms
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import type_label
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.safe_xml import (
    CYBOX_NAMESPACES,
    OPENIOC_10_NS,
    OPENIOC_11_NS,
    is_stix_indicator_element,
)

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_CYBOX_PROPERTIES = tuple(f"{{{namespace}}}Properties" for namespace in CYBOX_NAMESPACES)


@dataclasses.dataclass(frozen=True)
class Assessed:
    """What IntelDocument.parsed holds after `assessed`: the applicability report instead of the parse tree."""

    report: dict | None


def assessed(document):
    """`document` with its parse tree (read only here) replaced by its report: far less memory per document."""
    if document is None or document.parsed is None or isinstance(document.parsed, Assessed):
        return document  # None: the server holds these bytes, nothing was parsed
    return dataclasses.replace(document, parsed=Assessed(applicability_report(document)))


def applicability_report(document) -> dict | None:
    """{"known": N, "probable": N, "unknown": N, "findings": [{"term", "level", "detail"}, ...]}.

    The counts are indicator items (OpenIOC IndicatorItems, CybOX objects' Properties and STIX test
    mechanisms, YARA rules, signal expression terms); `findings` holds every distinct term that is not known,
    unknown ones first, then by term. None for a document the server already holds (never parsed).
    """
    if isinstance(document.parsed, Assessed):
        return document.parsed.report
    if document.parsed is None:
        return None
    if document.type == "openioc":
        tally = _openioc_tally(document.parsed.root)
    elif document.type in ("stix", "cybox"):
        tally = _stix_tally(document.parsed.root)
    elif document.type == "yara":
        tally = _yara_tally(document.parsed)
    else:
        tally = _signal_tally(document.parsed)
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
            f"{type_label(document.type)} document ({report['unknown']} of "
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

    def listed(self, term: str, table: dict, unlisted) -> None:
        """One item using `term`, at the level of its rule in `table` (`unlisted` when the table has none)."""
        rule = _lookup(table, term, unlisted)
        self.item(rule.level)
        self.term(term, rule)

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


def _openioc_tally(root) -> _Tally:
    tally = _Tally("indicator item")
    for namespace in (OPENIOC_10_NS, OPENIOC_11_NS):
        for item in root.iter(f"{{{namespace}}}IndicatorItem"):
            context = item.find(f"{{{namespace}}}Context")
            search = (context.get("search") or "").strip() if context is not None else ""
            term = search or "(IndicatorItem without Context/@search)"
            tally.listed(term, terms.OPENIOC_TERMS, terms.UNLISTED["openioc"])
    return tally


def _stix_tally(root) -> _Tally:
    tally = _Tally("item")
    by_local_name = {key.split(":", 1)[1]: key for key in terms.STIX_TERMS if ":" in key}
    for element in root.iter():
        written = element.get(_XSI_TYPE)
        if not written:
            continue
        local_name = written.rsplit(":", 1)[-1]
        if element.tag in _CYBOX_PROPERTIES:
            term = by_local_name.get(local_name, written)
        elif is_stix_indicator_element(element.tag, "Test_Mechanism"):
            term = f"Test_Mechanism/{local_name}"
        else:
            continue
        tally.listed(term, terms.STIX_TERMS, terms.UNLISTED["stix"])
    return tally


def _yara_tally(outline) -> _Tally:
    tally = _Tally("rule")
    unsupported = [module for module in outline.imports if module not in terms.YARA_MODULES]
    rules = f"{outline.rule_count} rule{'' if outline.rule_count == 1 else 's'}"
    # A compiler that lacks one imported module rejects the whole file, so every rule is in doubt.
    tally.item(terms.UNKNOWN if unsupported or outline.externals else terms.KNOWN, outline.rule_count)
    rule = terms.UNLISTED["yara"]
    for module in unsupported:
        tally.finding(f'import "{module}"', rule.level, f"{rule.reason}; the file has {rules} ({rule.source})")
    external = terms.YARA_EXTERNAL
    for name in outline.externals:
        tally.finding(f"external variable {name}", external.level,
                      f"{external.reason}; the file has {rules} ({external.source})")
    return tally


def _signal_tally(parsed_terms: list) -> _Tally:
    tally = _Tally("expression term")
    for field, condition in parsed_terms:
        field_rule = _lookup(terms.SIGNAL_PROPERTIES, field, terms.UNLISTED["signal-property"])
        condition_rule = terms.SIGNAL_CONDITIONS[condition]
        tally.item(max(field_rule.level, condition_rule.level, key=terms.LEVELS.index))
        tally.term(field, field_rule)
        tally.term(condition, condition_rule, "condition ")
    return tally
