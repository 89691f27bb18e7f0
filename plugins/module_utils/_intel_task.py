# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From module options to a DesiredIntel, and from a planned change to the module result.

Shared by `intel` (one document) and `intel_sync` (a set), so both read entries, validate them and
report changes the same way.
"""

from __future__ import annotations

import os

from ansible_collections.tanium.threat_response.plugins.module_utils import _formats
from ansible_collections.tanium.threat_response.plugins.module_utils._applicability import (
    applicability_report,
    applicability_warning,
    unknown_terms,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_plan import (
    DesiredIntel,
    single_match,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._records import to_record

# The options of one intel document, in `intel` and in each `intel_sync` entry.
DOCUMENT_OPTIONS = dict(
    src=dict(type="path"),
    content=dict(type="str"),
    type=dict(type="str", default="auto", choices=["auto"] + list(_formats.INTEL_TYPES)),
    name=dict(type="str"),
    description=dict(type="str"),
    labels=dict(type="list", elements="str"),
)


def desired_intel(entry, max_size, state="present", intel_id=None, extra_labels=()):
    """A DesiredIntel from one entry's options; the document is read and validated here, before any write."""
    document = None
    if entry.get("src") is not None or entry.get("content") is not None:
        document = _read_entry(entry, max_size)
    elif state == "present":
        raise InvalidInput("one of src or content is required when state is present")
    labels = entry.get("labels")
    if labels is not None or extra_labels:
        labels = tuple(labels or ()) + tuple(extra_labels)
    description = entry.get("description")
    if document is not None and document.type != "yara":
        _check_declared(document, entry.get("name"), description)
        description = None
    intel_type = entry.get("type") if entry.get("type") not in (None, "auto") else None
    return DesiredIntel(state=state, document=document, labels=labels, description=description,
                        intel_id=intel_id, name=entry.get("name"), intel_type=intel_type)


def _read_entry(entry, max_size):
    src = entry.get("src")
    if src is not None:
        raw = _formats.read_document(src, max_size=max_size)
        source = src
    else:
        raw = entry["content"].encode("utf-8")
        source = "content"
    # A YARA document's identity is its upload file name: the `name` option, else the src file's name.
    yara_name = entry.get("name") or (os.path.basename(src) if src else None)
    return _formats.parse_document(raw, source=source, intel_type=entry.get("type") or "auto",
                                   yara_name=yara_name, max_size=max_size)


def _check_declared(document, name, description):
    """OpenIOC, STIX, CybOX and signals carry their own name and description: options may not differ."""
    for option, given, declared in (("name", name, document.name), ("description", description, document.description)):
        if given is not None and given != declared:
            raise InvalidInput(
                f"{document.source}: the {option} option ({given!r}) differs from the {option} the "
                f"{document.type} document declares ({declared!r}); change it in the document instead")


APPLICABILITY_OPTION = dict(type="str", default="warn", choices=["warn", "error", "ignore"])


def assess_applicability(desired_set, mode, warn):
    """The applicability report of each document (None without one), checked before any write.

    `warn`: one warning per document with unknown terms; `error`: those documents fail the task;
    `ignore`: no analysis at all.
    """
    if mode == "ignore":
        return [None] * len(desired_set)
    reports = [applicability_report(item.document) if item.document is not None else None for item in desired_set]
    warnings = [applicability_warning(item.document, report)
                for item, report in zip(desired_set, reports) if report is not None and unknown_terms(report)]
    if warnings and mode == "error":
        raise InvalidInput("applicability is error and Threat Response may not evaluate every term, so nothing "
                           "was written: " + "; ".join(warnings))
    for warning in warnings:
        warn(warning)
    return reports


def lookup_current(store, desired):
    """The server document `desired` is, or None; raises DuplicateIntelError when several are."""
    if desired.intel_id is not None:
        current = store.get_intel(desired.intel_id)
        if current is None and desired.state == "present":
            raise InvalidInput(f"there is no intel document with id {desired.intel_id}")
        return current
    document = desired.document
    name = document.name if document is not None else desired.name
    by_name = list(store.list_intels(name=name, intel_type=_formats.server_type_filter(desired.type)))
    intrinsic = document.intrinsic_id if document is not None else None
    if intrinsic and intrinsic != name and not any(doc.get("intrinsicId") == intrinsic for doc in by_name):
        # The name may have changed since the upload: the intrinsic id is what identifies it.
        same_type = list(store.list_intels(intel_type=_formats.server_type_filter(document.type)))
        if any(doc.get("intrinsicId") == intrinsic for doc in same_type):
            return store.with_contents(single_match(desired, same_type))
    return store.with_contents(single_match(desired, by_name))


def intel_result(change, document, label_names, diff, check_mode, applicability):
    """The module result for one planned-and-applied (or, in check mode, predicted) change."""
    result = dict(changed=change.changed, action=change.action, intel=None, applicability=applicability)
    if document is not None:
        record = to_record(document)
        if check_mode:
            record["labels"] = sorted(change.labels_after, key=str.casefold)
        else:
            record["labels"] = sorted((label_names.get(label_id, f"#{label_id}")
                                       for label_id in document.get("labelIds") or ()), key=str.casefold)
        result["intel"] = record
    if diff:
        header = change.name or ""
        result["diff"] = dict(before=change.before(), after=change.after(), before_header=header, after_header=header)
    return result
