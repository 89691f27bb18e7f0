# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From module options to DesiredIntel: read and validate every document before anything is sent.

Shared by `intel` (one document) and `intel_sync` (a set), so both read entries, check applicability
and warn about it the same way.
"""

from __future__ import annotations

import dataclasses
import os

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import documents as formats
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.applicability import (
    applicability_report,
    applicability_warning,
    assessed,
    unknown_terms,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import IntelFormatError, InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import DesiredIntel
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import one_line, upload_header_problem


def desired_intel(entry, max_size, state="present", intel_id=None, extra_labels=(), held=None, content=None):
    """A DesiredIntel from one entry's options; the document is read and validated here, before any write.

    `content`: the entry's bytes when already read. `held` (an _intel.plan.HeldBytes): a document whose
    exact bytes the server holds is described from the server instead of parsed; it is not uploaded again.
    """
    document = None
    if entry.get("src") is not None or entry.get("content") is not None:
        document = _describe(entry, _entry_bytes(entry, max_size) if content is None else content, max_size, held)
    elif state == "present":
        raise InvalidInput("one of src or content is required when state is present")
    labels = entry.get("labels")
    if labels is not None or extra_labels:
        labels = tuple(labels or ()) + tuple(extra_labels)
    description = entry.get("description")
    if document is not None and document.type != "yara":
        _check_declared(document, entry.get("name"), description)
        description = None
    if document is not None:
        problem = upload_header_problem(document, description)
        if problem:
            raise InvalidInput(f"{document.source}: {problem}")
    if description is not None:
        description = one_line(description)  # as the server will hold it, so a re-run compares equal
    return DesiredIntel(state=state, document=document, labels=labels, description=description,
                        intel_id=intel_id, name=entry.get("name"), intel_type=_entry_type(entry))


def read_entries(entries, max_size, common_labels, held=None):
    """Every entry as a DesiredIntel, all validated before anything is written; all problems in one error.

    Every file is read first. When one is missing, unreadable or too big, `held` is not consulted and
    every other file is parsed, so the one error names every problem. `held`: see desired_intel.
    """
    contents, problems = [], []
    for number, entry in enumerate(entries, start=1):
        try:
            contents.append(_entry_bytes(entry, max_size))
        except IntelFormatError as problem:
            contents.append(None)
            problems.append((number, problem))
    held = None if problems else held
    desired = []
    for number, (entry, content) in enumerate(zip(entries, contents), start=1):
        if content is None:
            continue
        try:
            item = desired_intel(entry, max_size, extra_labels=tuple(common_labels), held=held, content=content)
            # Assessed now, so no more than one parse tree is held at a time (10,000 trees are ~250 MB).
            document = assessed(item.document)
            desired.append(item if document is item.document else dataclasses.replace(item, document=document))
        except (InvalidInput, IntelFormatError) as problem:
            problems.append((number, problem))
    if problems:
        raise InvalidInput(f"{len(problems)} of {len(entries)} documents are invalid, nothing was written: "
                           + "; ".join(f"document {number}: {problem}" for number, problem in sorted(problems)))
    _refuse_repeated_identities(desired)
    return desired


def _refuse_repeated_identities(desired):
    seen = {}
    for item in desired:
        key = (item.type, item.document.intrinsic_id or item.document.name)
        if key in seen and item.type == "yara":
            raise InvalidInput(f"{seen[key]} and {item.document.source} would both be the YARA document uploaded "
                               f"as {key[1]!r}: a YARA document's identity is its upload file name, its name with "
                               "'.yara'; give one of them its own name (a `documents` entry with `src` and `name`), "
                               "or leave one out")
        if key in seen:
            raise InvalidInput(f"{seen[key]} and {item.document.source} are the same {item.type} document "
                               f"(identity {key[1]!r}); list it once")
        seen[key] = item.document.source


def _entry_bytes(entry, max_size):
    if entry.get("src") is not None:
        return formats.read_document(entry["src"], max_size=max_size)
    return entry["content"].encode("utf-8")


def _entry_type(entry):
    """The type the entry asks for; None when any detected type will do."""
    return entry.get("type") if entry.get("type") not in (None, "auto") else None


def _describe(entry, raw, max_size, held):
    src = entry.get("src")
    source = src if src is not None else "content"
    intel_type = _entry_type(entry)
    # A YARA document's identity is its upload file name: the `name` option, else the src file's name.
    yara_name = entry.get("name") or (os.path.basename(src) if src else None)
    document = held.held_document(raw, source, intel_type, yara_name) if held is not None else None
    if document is not None:
        return document
    return formats.parse_document(raw, source=source, intel_type=intel_type or "auto", yara_name=yara_name,
                                  max_size=max_size)


def _check_declared(document, name, description):
    """OpenIOC, STIX, CybOX and signals carry their own name and description: options may not differ."""
    for option, given, declared in (("name", name, document.name), ("description", description, document.description)):
        if given is not None and given != declared:
            raise InvalidInput(
                f"{document.source}: the {option} option ({given!r}) differs from the {option} the "
                f"{document.type} document declares ({declared!r}); change it in the document instead")


def applicability_reports(desired_set, mode):
    """The applicability report of each document (None without one), checked before any write.

    `error`: documents with terms Threat Response may not evaluate fail the task, nothing written;
    `ignore`: no analysis at all. Warnings come later, once the plan says which documents change.
    """
    if mode == "ignore":
        return [None] * len(desired_set)
    reports = [applicability_report(item.document) if item.document is not None else None for item in desired_set]
    if mode == "error":
        problems = [applicability_warning(item.document, report) for item, report in zip(desired_set, reports)
                    if report is not None and unknown_terms(report)]
        if problems:
            raise InvalidInput("applicability is error and Threat Response may not evaluate every term, so "
                               "nothing was written: " + "; ".join(problems))
    return reports


def applicability_warnings(assessed):
    """Warnings for (document, report, written) triples: one per document this run writes, one line for the rest.

    A document that stays unchanged was warned about when it was uploaded; repeating that every run
    buries what is new, so those only count in one summary line.
    """
    warnings, quiet = [], 0
    for document, report, written in assessed:
        if report is None or not unknown_terms(report):
            continue
        if written:
            warnings.append(applicability_warning(document, report))
        else:
            quiet += 1
    if quiet:
        warnings.append(f"{quiet} unchanged document(s) use terms Threat Response may not evaluate; their "
                        "findings are in the result (intel_sync: with `details: all`)")
    return warnings
