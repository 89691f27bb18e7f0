# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole set of documents in one pass: list the server once, plan, apply in parallel, report.

Each document is one IntelItem (_intel.items), as in the `intel` module, with the same identity rules
(_intel.plan) and writes (_intel.apply); what this adds is the set: one listing, copies this
collection made resolved, purge of managed documents, and the set's result.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import document_deployed
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import apply_items
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.items import IntelItem
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    DesiredIntel,
    DuplicateIntelError,
    IdentityIndex,
    plan_change,
    same_content,
)

OUTCOMES = ("created", "updated", "unchanged", "deleted")


class SyncError(ThreatResponseError):
    """Some writes failed; `result` says what was written before and beside them (so changed is true)."""

    def __init__(self, message, result):
        self.result = result
        super().__init__(message)


class Ownership:
    """Whether a server document is this task's: it carries the managed label, or it was created through
    the task's source (so a document created but not yet labelled, by a killed run, is still this task's)."""

    def __init__(self, store, managed_label):
        self.store = store
        self.managed_label = managed_label
        self._source_ids = None

    def labelled(self, document):
        return self.managed_label.casefold() in {name.casefold() for name in self.store.label_names(document)}

    def __call__(self, document):
        if self.labelled(document):
            return True
        if self._source_ids is None:
            # Read only when needed (purge, or copies to resolve): a warm run without purge skips it.
            self._source_ids = set(self.store.own_source_ids())
        return document.get("sourceId") in self._source_ids

    def whose(self, document):
        if self.labelled(document):
            return f"labelled {self.managed_label}"
        if self(document):
            return f"created through source {self.store.source_name!r}, not yet labelled"
        return "other content, not managed by this task"


def plan_sync(store, items, managed_label, purge, documents):
    """Plan every item, then add a delete item per managed document the task no longer asks for; returns all items.

    `documents`: the server's listing (store.list_intels()), read once per run. Copies of a document
    that this collection made (interrupted or overlapping runs) are resolved: one is kept (the labelled
    one, the oldest of those) and a delete item is added for each other copy.
    """
    # Every set names labels (the managed one at least): read them now, before the parallel writes.
    store.labels()
    store.fill_label_ids(documents, {managed_label, *(name for item in items for name in item.desired.labels or ())})
    listing = IdentityIndex(documents)
    ours = Ownership(store, managed_label)
    kept_ids, extra = set(), []
    for item in items:
        current, copies = _kept_and_copies(item.desired, listing.all_matches(item.desired), ours)
        current = store.with_contents(current)
        current_labels = store.label_names(current)
        labels = item.desired.labels
        if labels is None:
            # No labels asked for: keep whatever the document carries, and mark it managed.
            labels = current_labels
        if managed_label.casefold() not in {name.casefold() for name in labels}:
            labels += (managed_label,)
        item.change = plan_change(dataclasses.replace(item.desired, labels=labels), current, current_labels)
        kept_ids.update(document["id"] for document in ([current] if current else []) + copies)
        extra.extend(_delete_item(store, document) for document in copies)
    purged = list(_purge_items(store, listing, ours, kept_ids)) if purge else []
    return list(items) + extra + purged


def _kept_and_copies(desired, matches, ours):
    """(the document to keep, the copies to delete) among the server documents that are `desired`.

    Copies are resolved only when each is this collection's: it carries the managed label, came from
    the task's source, or holds exactly the content this run would upload (a create whose answer was
    lost). Otherwise the error names each copy, so the user can delete the right one.
    """
    if len(matches) <= 1:
        return (matches[0] if matches else None), []
    if not all(ours(doc) or same_content(desired, doc) for doc in matches):
        described = "; ".join(f"id {doc['id']} ({ours.whose(doc)}, updated {doc.get('updatedAt') or 'at an unknown time'})"
                              for doc in sorted(matches, key=lambda doc: doc["id"]))
        raise DuplicateIntelError(
            f"{len(matches)} documents on the server are {desired.display_name!r} ({desired.type}): {described}. "
            "This task deletes only copies it made; delete the one that should go, e.g. with "
            "tanium.threat_response.intel and `id: <id>`, `state: absent`, then run again.")
    keep = min(matches, key=lambda doc: (not ours.labelled(doc), doc["id"]))
    return keep, [doc for doc in matches if doc["id"] != keep["id"]]


def _delete_item(store, document):
    desired = DesiredIntel(state="absent", intel_id=document["id"], name=document.get("name"),
                           intel_type=document.get("type"))
    return IntelItem(desired=desired, change=plan_change(desired, document, store.label_names(document)))


def _purge_items(store, listing, ours, kept_ids):
    for document in listing.documents:
        if document["id"] not in kept_ids and ours(document):
            yield _delete_item(store, document)


def apply_sync(store, items, parallel, check_mode, retries=0):
    """Apply the planned items (_intel.apply.apply_items); returns its warnings, and raises SyncError
    naming the items that failed, with what was written before and beside them."""
    warnings = apply_items(store, items, parallel, check_mode, retries)
    failed = [item for item in items if item.error is not None]
    if failed:
        details = "; ".join(f"{item.name!r} ({item.change.action}): {item.error}" for item in failed)
        written = [item for item in items if item.written]
        raise SyncError(f"{len(failed)} of {len(items)} documents could not be written: {details}"
                        + "".join(f"; {warning}" for warning in warnings),
                        result=dict(changed=bool(written), **summarize(written),
                                    partial=[dict(name=item.name, action=item.change.action) for item in written],
                                    failures=[item.entry() for item in failed]))
    return warnings


def summarize(items, details="changed"):
    """The result's summary: full detail for what changed, counts and names for the unchanged.

    created/updated/deleted: lists of {name, id, type}; unchanged: names; counts: one number per
    outcome. `documents` holds the full entry (source, action, applicability) of each requested document
    that changed, or with details "all" of every requested document.
    """
    summary = {outcome: [] for outcome in OUTCOMES}
    documents = []
    for item in items:
        outcome = item.outcome
        if outcome == "unchanged":
            summary["unchanged"].append(item.name)
        elif outcome is not None:
            summary[outcome].append(item.brief())
        if item.requested and (details == "all" or outcome not in ("unchanged", None)):
            documents.append(item.entry())
    summary["counts"] = {outcome: len(summary[outcome]) for outcome in OUTCOMES}
    summary["documents"] = documents
    summary["undeployed"] = undeployed(items)
    return summary


def undeployed(items):
    """How many requested documents are not in the deployed package: written now, or changed after the last
    deployment as the server tells (so a deployment that failed in an earlier run is not forgotten).

    None when the server does not say (3.x has no lastDeploymentTimestamp) and nothing was written.
    """
    count, known = 0, True
    for item in items:
        if not item.requested:
            continue
        if item.written and item.uploads:
            count += 1
            continue
        deployed = document_deployed(item.result or item.change.current or {})
        known = known and deployed is not None
        count += deployed is False
    return count if known or count else None
