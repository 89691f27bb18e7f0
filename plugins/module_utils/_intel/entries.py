# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From module options to IntelItems: read and validate every document before anything is sent.

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
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.items import IntelItem
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import DesiredIntel
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import one_line, upload_header_problem


def read_entry(options, max_size, state="present", intel_id=None):
    """The IntelItem of one document's options (the `intel` module's), read and validated before any write."""
    item = IntelItem(options)
    describe(item, max_size, state=state, intel_id=intel_id)
    return item


def describe(item, max_size, state="present", intel_id=None, extra_labels=(), held=None):
    """Give `item` its DesiredIntel, from its options; its bytes are read (unless they were) and validated.

    `held` (an _intel.plan.HeldBytes): a document whose exact bytes the server holds is described from
    the server instead of parsed; it is not uploaded again.
    """
    options = item.options
    document = None
    if options.get("src") is not None or options.get("content") is not None:
        if item.content is None:
            item.content = _entry_bytes(options, max_size)
        document = _document(options, item.content, max_size, held)
    elif state == "present":
        raise InvalidInput("one of src or content is required when state is present")
    labels = options.get("labels")
    if labels is not None or extra_labels:
        labels = tuple(labels or ()) + tuple(extra_labels)
    description = options.get("description")
    if document is not None and document.type != "yara":
        _check_declared(document, options.get("name"), description)
        description = None
    if document is not None:
        problem = upload_header_problem(document, description)
        if problem:
            raise InvalidInput(f"{document.source}: {problem}")
    if description is not None:
        description = one_line(description)  # as the server will hold it, so a re-run compares equal
    item.desired = DesiredIntel(state=state, document=document, labels=labels, description=description,
                                intel_id=intel_id, name=options.get("name"), intel_type=_entry_type(options))


def read_entries(entries, max_size, common_labels, held=None):
    """One IntelItem per entry, all validated before anything is written; all problems in one error.

    Every file is read first. When one is missing, unreadable or too big, `held` is not consulted and
    every other file is parsed, so the one error names every problem. `held`: see describe.
    """
    items = [IntelItem(entry) for entry in entries]
    problems = []
    for number, item in enumerate(items, start=1):
        try:
            item.content = _entry_bytes(item.options, max_size)
        except IntelFormatError as problem:
            problems.append((number, problem))
    held = None if problems else held
    for number, item in enumerate(items, start=1):
        if item.content is None:
            continue
        try:
            describe(item, max_size, extra_labels=tuple(common_labels), held=held)
            # Assessed now, so no more than one parse tree is held at a time (10,000 trees are ~250 MB).
            document = assessed(item.desired.document)
            if document is not item.desired.document:
                item.desired = dataclasses.replace(item.desired, document=document)
        except (InvalidInput, IntelFormatError) as problem:
            problems.append((number, problem))
    if problems:
        raise InvalidInput(f"{len(problems)} of {len(entries)} documents are invalid, nothing was written: "
                           + "; ".join(f"document {number}: {problem}" for number, problem in sorted(problems)))
    _refuse_repeated_identities(items)
    return items


def _refuse_repeated_identities(items):
    seen = {}
    for desired in (item.desired for item in items):
        document = desired.document
        key = (desired.type, document.intrinsic_id or document.name)
        if key in seen and desired.type == "yara":
            raise InvalidInput(f"{seen[key]} and {document.source} would both be the YARA document uploaded "
                               f"as {key[1]!r}: a YARA document's identity is its upload file name, its name with "
                               "'.yara'; give one of them its own name (a `documents` entry with `src` and `name`), "
                               "or leave one out")
        if key in seen:
            raise InvalidInput(f"{seen[key]} and {document.source} are the same {desired.type} document "
                               f"(identity {key[1]!r}); list it once")
        seen[key] = document.source


def _entry_bytes(entry, max_size):
    if entry.get("src") is not None:
        return formats.read_document(entry["src"], max_size=max_size)
    return entry["content"].encode("utf-8")


def _entry_type(entry):
    """The type the entry asks for; None when any detected type will do."""
    return entry.get("type") if entry.get("type") not in (None, "auto") else None


def _document(entry, raw, max_size, held):
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


def assess(items, mode):
    """Give each item its applicability report (None without a document), checked before any write.

    `error`: documents with terms Threat Response may not evaluate fail the task, nothing written;
    `ignore`: no analysis at all. Warnings come later, once the plan says which documents change.
    """
    if mode == "ignore":
        return
    for item in items:
        document = item.desired.document
        item.report = applicability_report(document) if document is not None else None
    if mode == "error":
        problems = [applicability_warning(item.desired.document, item.report) for item in items
                    if item.report is not None and unknown_terms(item.report)]
        if problems:
            raise InvalidInput("applicability is error and Threat Response may not evaluate every term, so "
                               "nothing was written: " + "; ".join(problems))


def applicability_warnings(items):
    """Warnings for the planned items the task asked for: one per document this run uploads, one line for the rest.

    A document that stays unchanged was warned about when it was uploaded; repeating that every run
    buries what is new, so those only count in one summary line.
    """
    warnings, quiet = [], 0
    for item in items:
        if not item.requested or item.report is None or not unknown_terms(item.report):
            continue
        if item.uploads:
            warnings.append(applicability_warning(item.desired.document, item.report))
        else:
            quiet += 1
    if quiet:
        warnings.append(f"{quiet} unchanged document(s) use terms Threat Response may not evaluate; their "
                        "findings are in the result (intel_sync: with `details: all`)")
    return warnings
