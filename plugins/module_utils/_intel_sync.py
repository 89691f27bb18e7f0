# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole set of documents in one pass: validate all, list the server once, plan, apply in parallel.

Uses the same identity rules (_intel_plan), writes (_intel_apply) and entry reading (_intel_task)
as the `intel` module; what it adds is the set: one listing, purge of managed documents, bounded
parallel writes, and a check after applying that no concurrent run left a duplicate.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.tanium.threat_response.plugins.module_utils._applicability import summary_line
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._formats import IntelFormatError
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_apply import IntelApplier, map_parallel
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    DesiredIntel,
    identity_matches,
    plan_change,
    single_match,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_task import desired_intel


class SyncError(ThreatResponseError):
    """Some writes failed; `partial` says what was done before and beside them."""

    def __init__(self, message, partial):
        self.partial = partial
        super().__init__(message)


def read_entries(entries, max_size, common_labels):
    """Every entry as a DesiredIntel, all validated before anything is sent; all problems in one error."""
    desired, problems = [], []
    for number, entry in enumerate(entries, start=1):
        try:
            desired.append(desired_intel(entry, max_size, extra_labels=tuple(common_labels)))
        except (InvalidInput, IntelFormatError) as problem:
            problems.append(f"document {number}: {problem}")
    if problems:
        raise InvalidInput(f"{len(problems)} of {len(entries)} documents are invalid, nothing was written: "
                           + "; ".join(problems))
    _refuse_repeated_identities(desired)
    return desired


def _refuse_repeated_identities(desired):
    seen = {}
    for item in desired:
        key = (item.type, item.document.intrinsic_id or item.document.name)
        if key in seen and item.type == "yara":
            raise InvalidInput(f"{seen[key]} and {item.document.source} would both be the YARA document {key[1]!r}: "
                               "a YARA document's name and identity is its upload file name; give one of them "
                               "its own name (a `documents` entry with `src` and `name`), or leave one out")
        if key in seen:
            raise InvalidInput(f"{seen[key]} and {item.document.source} are the same {item.type} document "
                               f"(identity {key[1]!r}); list it once")
        seen[key] = item.document.source


class ServerListing:
    """Every server document, listed once, indexed by intrinsic id and by name."""

    def __init__(self, documents):
        self.documents = documents
        self._by_key = {}
        for document in documents:
            for key in (document.get("intrinsicId"), document.get("name")):
                if key:
                    self._by_key.setdefault(key, []).append(document)

    def candidates(self, desired):
        found = {}
        for key in (desired.document.intrinsic_id, desired.document.name):
            for document in self._by_key.get(key, ()):
                found[document["id"]] = document
        return list(found.values())

    def match(self, desired):
        return single_match(desired, self.candidates(desired))


def plan_sync(store, desired_set, managed_label, purge):
    """One IntelChange per desired document, then a delete per managed document no longer listed."""
    listing = ServerListing(list(store.list_intels()))
    label_names = store.label_names_by_id()
    changes, kept_ids = [], set()
    for desired in desired_set:
        current = store.with_contents(listing.match(desired))
        labels = desired.labels
        if labels is None:
            # No labels asked for: keep whatever the document carries, and mark it managed.
            labels = tuple(label_names.get(i, f"#{i}") for i in (current or {}).get("labelIds") or ())
        if managed_label.casefold() not in {name.casefold() for name in labels}:
            labels += (managed_label,)
        change = plan_change(dataclasses.replace(desired, labels=labels), current, label_names)
        changes.append(change)
        if current is not None:
            kept_ids.add(current["id"])
    if purge:
        changes.extend(_purge_changes(listing, label_names, managed_label, kept_ids))
    return changes


def _purge_changes(listing, label_names, managed_label, kept_ids):
    managed_ids = {label_id for label_id, name in label_names.items() if name.casefold() == managed_label.casefold()}
    for document in listing.documents:
        if document["id"] not in kept_ids and managed_ids & set(document.get("labelIds") or ()):
            desired = DesiredIntel(state="absent", intel_id=document["id"], name=document.get("name"),
                                   intel_type=document.get("type"))
            yield plan_change(desired, document, label_names)


def apply_sync(store, changes, parallel, check_mode):
    """Apply the planned changes, at most `parallel` at a time; returns (results, warnings).

    Afterwards the documents this run created are checked for copies a concurrent run created too,
    also when some writes failed; the warnings say what was removed. Raises SyncError listing the
    changes that failed.
    """
    applier = IntelApplier(store, check_mode)

    def attempt(change):
        try:
            return applier.apply(change), None
        except ThreatResponseError as error:
            return None, error

    outcomes = map_parallel(attempt, changes, parallel)
    failures = [(change, error) for change, (_document, error) in zip(changes, outcomes) if error]
    results = [document for document, _error in outcomes]
    warnings = [] if check_mode else remove_concurrent_copies(store, changes, results)
    if failures:
        details = "; ".join(f"{change.name!r} ({change.action}): {error}" for change, error in failures)
        done = [change for change, (_document, error) in zip(changes, outcomes) if not error and change.changed]
        raise SyncError(f"{len(failures)} of {len(changes)} documents could not be written: {details}"
                        + "".join(f"; {warning}" for warning in warnings),
                        partial=[dict(name=change.name, action=change.action) for change in done])
    return results, warnings


def remove_concurrent_copies(store, changes, results):
    """After creating, make sure no concurrent run created the same document too.

    When two documents share an identity, the run that created the newer one deletes its own copy, so
    both runs end with the older one. Returns warnings about what was removed.
    """
    created = [(change, result) for change, result in zip(changes, results) if change.action == CREATE and result]
    if not created:
        return []
    listing = ServerListing(list(store.list_intels()))
    warnings = []
    for change, result in created:
        copies = sorted(identity_matches(change.desired, listing.candidates(change.desired)), key=lambda d: d["id"])
        if len(copies) > 1 and copies[0]["id"] != result["id"]:
            store.delete_intel(result["id"])
            warnings.append(f"{change.name!r}: another run created it at the same time; kept document "
                            f"{copies[0]['id']} and deleted this run's copy {result['id']}")
            result.clear()
            result.update(copies[0])
    return warnings


def document_entries(desired_set, changes, results, reports):
    """One entry per listed document: what happened to it and what Threat Response can evaluate in it."""
    entries = []
    for desired, change, result, report in zip(desired_set, changes, results, reports):
        document = result or change.current or {}
        entry = dict(name=change.name, type=desired.type, source=desired.document.source, action=change.action,
                     id=document.get("id"), applicability=report)
        if report and report["findings"]:
            entry["applicability_summary"] = summary_line(change.name, report)
        entries.append(entry)
    return entries


def summarize(changes, results):
    """created/updated/unchanged/deleted: each a list of {name, id, type} in the order of the input."""
    summary = {"created": [], "updated": [], "unchanged": [], "deleted": []}
    bucket = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", DELETE: "deleted"}
    for change, result in zip(changes, results):
        document = result or change.current or {}
        entry = dict(name=change.name, id=document.get("id"), type=document.get("type") or change.desired.type)
        key = bucket.get(change.action)
        if change.action == UNCHANGED and change.changed:
            key = "updated"  # only its labels change
        if key:
            summary[key].append(entry)
    return summary
