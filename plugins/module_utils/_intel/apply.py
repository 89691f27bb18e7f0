# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place planned intel changes are written: they become server calls, except in check mode.

In check mode the same changes are turned into the documents the server would hold afterwards, so
`changed`, the returned object and --diff are the same as in a real run, without one write. After
writing, a document a concurrent run created at the same moment is resolved here too
(`IntelApplier.keep_older_copy`), for `intel` and `intel_sync` alike.
"""

from __future__ import annotations

import itertools
import threading

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ThreatResponseError,
    WriteOutcomeUnknown,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    CREATE,
    DELETE,
    UPDATE,
    IdentityIndex,
    identity_matches,
    plan_change,
    same_content,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import RetryPolicy


class ServerCreatedCopyError(ThreatResponseError):
    """A PUT made a new document instead of updating (the intrinsic id rule, docs/wire-format.md#intel-documents)."""


class IntelApplier:
    """Applies IntelChanges through an IntelStore; in check mode, predicts their outcome instead."""

    def __init__(self, store, check_mode, retries=0):
        self.store = store
        self.check_mode = check_mode
        self.policy = RetryPolicy(retries)

    def apply(self, change):
        """The server document after the change (None once deleted or absent)."""
        if not change.changed:
            return change.current
        if self.check_mode:
            return change.predicted()
        if change.action == DELETE:
            self.store.delete_intel(change.current["id"])
            return None
        document = change.current
        if change.action == CREATE:
            document = self._create(change)
        elif change.action == UPDATE:
            document = self._update(change)
        return self._apply_labels(change, document)

    def _create(self, change):
        """POST the document; after an answer that leaves it unknown whether the server created it (a
        502/504, a dropped connection), look it up before each of up to `retries` new attempts."""
        attempt = 0
        while True:
            try:
                return self.store.create_intel(change.upload, change.desired.description)
            except WriteOutcomeUnknown:
                if attempt >= self.policy.retries:
                    raise
            self.policy.wait(attempt)
            attempt += 1
            existing = self._created_copy(change)
            if existing is not None:
                return existing

    def keep_older_copy(self, change, created, listing):
        """After `change` created `created`: the document to keep, and a warning when it is another one.

        When a concurrent run created the same document at the same moment, both runs must end with one
        copy: the older. So the oldest other document of the same identity in `listing` (an IdentityIndex
        read after the writes) that still exists when read again, and holds what this run uploaded, is
        kept, with this run's labels; this run's copy is deleted. A copy with other content is left to
        the next run's duplicate check, which names both.
        """
        older = sorted((document for document in listing.all_matches(change.desired) if document["id"] < created["id"]),
                       key=lambda document: document["id"])
        for candidate in older:
            # The listing may hold a copy its run deleted meanwhile: only a copy read again is kept.
            found = self.store.get_intel(candidate["id"])
            if found is not None and same_content(change.desired, found):
                self.store.delete_intel(created["id"])
                kept = self.apply(plan_change(change.desired, found, self.store.label_names(found)))
                return kept, (f"{change.name!r}: another run created it at the same time; kept document "
                              f"{found['id']} and deleted this run's copy {created['id']}")
        return created, None

    def _created_copy(self, change):
        listed = list(self.store.list_intels(name=change.upload.name))
        matches = [doc for doc in identity_matches(change.desired, listed) if doc.get("md5") == change.upload.md5]
        return max(matches, key=lambda doc: doc["id"]) if matches else None

    def _update(self, change):
        intel_id = change.current["id"]
        updated = self.store.update_intel(intel_id, change.upload, change.desired.description)
        if updated.get("id") != intel_id:
            self.store.delete_intel(updated.get("id"))
            raise ServerCreatedCopyError(
                f"updating intel {intel_id} ({change.name!r}) made the server create document {updated.get('id')} "
                f"instead (its intrinsic id differs from the stored {change.current.get('intrinsicId')!r}); "
                f"that copy was deleted and document {intel_id} is unchanged")
        return updated

    def _apply_labels(self, change, document):
        for name in change.labels_to_attach:
            document = self.store.attach_label(document, name)
        for name in change.labels_to_detach:
            document = self.store.detach_label(document, name)
        return dict(document, labelIds=sorted(document.get("labelIds") or ()))


def apply_items(store, items, parallel, check_mode, retries=0):
    """Apply each planned item's change, at most `parallel` at a time, filling in its result or error.

    Afterwards the documents this run created are checked for copies a concurrent run created too
    (keep_older_copy), also when some writes failed. `retries`: how often a create whose outcome is
    unknown is looked up and sent again. Returns warnings about the copies removed.
    """
    applier = IntelApplier(store, check_mode, retries)

    def attempt(item):
        try:
            item.result = applier.apply(item.change)
        except ThreatResponseError as error:
            item.error = error

    map_parallel(attempt, items, parallel)
    created = [item for item in items if item.change.action == CREATE and item.result]
    if check_mode or not created:
        return []
    listing = IdentityIndex(_listed_again(store, created))
    warnings = []
    for item in created:
        item.result, warning = applier.keep_older_copy(item.change, item.result, listing)
        if warning:
            warnings.append(warning)
    return warnings


def _listed_again(store, created):
    """The server's documents after the writes, as far as `created` needs them."""
    if len(created) == 1:
        # One document: the listing filtered by its name, one short page.
        return list(store.list_intels(name=created[0].change.upload.name))
    # Two listings, merged: a concurrent run deleting its copies while this one pages shifts the
    # offsets, so one listing can miss a document; a document missed by both is very unlikely.
    return list({document["id"]: document for _listing in range(2) for document in store.list_intels()}.values())


def map_parallel(function, items, parallel):
    """function(item) for every item, at most `parallel` at once; results in the order of `items`.

    `parallel` threads take the next item from one shared counter, so an item costs one counter step
    and nothing more (10,000 unchanged documents are mostly that). After an exception no new item starts,
    and the first failed item's exception (in the order of `items`) is raised once every thread has stopped.
    """
    if parallel <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    results = [None] * len(items)
    failures = {}
    take = itertools.count().__next__  # one C call: atomic under the GIL

    def work():
        while not failures:
            number = take()
            if number >= len(items):
                return
            try:
                results[number] = function(items[number])
            except BaseException as error:  # pylint: disable=broad-exception-caught  # re-raised below
                failures[number] = error

    threads = [threading.Thread(target=work) for _worker in range(min(parallel, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[min(failures)]
    return results
