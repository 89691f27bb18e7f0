# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole set of documents in one pass: list the server once, plan, apply in parallel, report.

Each document is one SyncItem from its entry to its result. Uses the identity rules (_intel.plan) and
the writes (_intel.apply) of the `intel` module; what it adds is the set: one listing, purge of
managed documents, bounded parallel writes, and a check after applying that no concurrent run left
a duplicate.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import document_deployed
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.applicability import summary_line
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import IntelApplier, map_parallel
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    DesiredIntel,
    DuplicateIntelError,
    IdentityIndex,
    plan_change,
    same_content,
)

OUTCOMES = ("created", "updated", "unchanged", "deleted")
_OUTCOME = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", DELETE: "deleted"}


@dataclasses.dataclass
class SyncItem:
    """One document of the set: what was asked, what was planned, and what happened."""

    desired: DesiredIntel
    report: dict | None = None          # applicability; None when ignored, and for purge deletions
    listed: bool = True                  # False: a managed document purge deletes
    change: object = None                # the IntelChange, once planned
    result: dict | None = None           # the server document afterwards (check mode: as predicted)
    error: ThreatResponseError | None = None

    @property
    def name(self):
        return self.change.name

    @property
    def outcome(self):
        """created / updated / unchanged / deleted (a label-only change counts as updated)."""
        if self.change.action == UNCHANGED and self.change.changed:
            return "updated"
        return _OUTCOME.get(self.change.action)

    @property
    def written(self):
        return self.error is None and self.change.changed

    def brief(self):
        document = self.result or self.change.current or {}
        return dict(name=self.name, id=document.get("id"), type=document.get("type") or self.desired.type)

    def entry(self):
        """Everything about this document: name, id, type, source, action and applicability."""
        entry = dict(self.brief(), action=self.change.action, applicability=self.report,
                     source=self.desired.document.source if self.desired.document is not None else None)
        if self.report and self.report["findings"]:
            entry["applicability_summary"] = summary_line(self.name, self.report)
        if self.error is not None:
            entry["error"] = str(self.error)
        return entry


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
    """Plan every item, then add a delete item per managed document no longer listed; returns all items.

    `documents`: the server's listing (store.list_intels()), read once per run. Copies of a document
    that this collection made (interrupted or overlapping runs) are resolved: the oldest is kept and a
    delete item is added for each other copy.
    """
    store.fill_label_ids(documents, {managed_label, *(name for item in items for name in item.desired.labels or ())})
    listing = IdentityIndex(documents)
    ours = Ownership(store, managed_label)
    kept_ids, extra = set(), []
    for item in items:
        current, copies = _one_of(item.desired, listing.all_matches(item.desired), ours)
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


def _one_of(desired, matches, ours):
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
    return SyncItem(desired, listed=False, change=plan_change(desired, document, store.label_names(document)))


def _purge_items(store, listing, ours, kept_ids):
    for document in listing.documents:
        if document["id"] not in kept_ids and ours(document):
            yield _delete_item(store, document)


def apply_sync(store, items, parallel, check_mode, retries=0):
    """Apply the planned items, at most `parallel` at a time, filling in each one's result or error.

    Afterwards the documents this run created are checked for copies a concurrent run created too,
    also when some writes failed. `retries`: how often a create whose outcome is unknown is looked up
    and sent again. Returns warnings about what that removed; raises SyncError naming
    the items that failed.
    """
    applier = IntelApplier(store, check_mode, retries)

    def attempt(item):
        try:
            item.result = applier.apply(item.change)
        except ThreatResponseError as error:
            item.error = error

    map_parallel(attempt, items, parallel)
    warnings = [] if check_mode else remove_concurrent_copies(store, items)
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


def remove_concurrent_copies(store, items):
    """After creating, make sure no concurrent run created the same document too.

    When two documents share an identity, the run that created the newer one deletes its own copy, so
    both runs end with the older one. Returns warnings about what was removed.
    """
    created = [item for item in items if item.change.action == CREATE and item.result]
    if not created:
        return []
    # Two listings, merged: a concurrent run deleting its copies while this one pages shifts the
    # offsets, so one listing can miss a document; a document missed by both is very unlikely.
    listed = {document["id"]: document for listing_pass in range(2) for document in store.list_intels()}
    listing = IdentityIndex(list(listed.values()))
    warnings = []
    for item in created:
        own_id = item.result["id"]
        older = sorted((document for document in listing.all_matches(item.change.desired) if document["id"] < own_id),
                       key=lambda document: document["id"])
        # The merged listing may hold a copy deleted meanwhile: keep this run's copy unless one surely exists.
        kept = next((found for found in (store.get_intel(document["id"]) for document in older) if found), None)
        if kept is not None:
            store.delete_intel(own_id)
            warnings.append(f"{item.name!r}: another run created it at the same time; kept document "
                            f"{kept['id']} and deleted this run's copy {own_id}")
            item.result = dict(kept)
    return warnings


def summarize(items, details="changed"):
    """The result's summary: full detail for what changed, counts and names for the unchanged.

    created/updated/deleted: lists of {name, id, type}; unchanged: names; counts: one number per
    outcome. `documents` holds the full entry (source, action, applicability) of each listed document
    that changed, or with details "all" of every listed document.
    """
    summary = {outcome: [] for outcome in OUTCOMES}
    documents = []
    for item in items:
        outcome = item.outcome
        if outcome == "unchanged":
            summary["unchanged"].append(item.name)
        elif outcome is not None:
            summary[outcome].append(item.brief())
        if item.listed and (details == "all" or outcome not in ("unchanged", None)):
            documents.append(item.entry())
    summary["counts"] = {outcome: len(summary[outcome]) for outcome in OUTCOMES}
    summary["documents"] = documents
    summary["undeployed"] = undeployed(items)
    return summary


def undeployed(items):
    """How many listed documents are not in the deployed package: written now, or changed after the last
    deployment as the server tells (so a deployment that failed in an earlier run is not forgotten).

    None when the server does not say (3.x has no lastDeploymentTimestamp) and nothing was written.
    """
    count, known = 0, True
    for item in items:
        if not item.listed:
            continue
        if item.written and item.change.action in (CREATE, UPDATE):
            count += 1
            continue
        deployed = document_deployed(item.result or item.change.current or {})
        known = known and deployed is not None
        count += deployed is False
    return count if known or count else None
