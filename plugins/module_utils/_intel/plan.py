# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which server document a desired document is, and what must change: the identity rules, once.

- The server does not enforce unique names; POST always creates; PUT updates in place only when the
  new content keeps the stored intrinsic id. So: look up first, never blind-POST.
- Identity: type + intrinsic id (OpenIOC/STIX/CybOX id, YARA file name, signal id or name); the name
  is the fallback key. Two server documents that both match are an error unless `id` is given.
- Unchanged: the server's md5 equals the md5 of the exact bytes we would send (signals: their
  fields, as the server re-serialises them), and description and label set match.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import documents as formats
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

CREATE, UPDATE, UNCHANGED, DELETE, ABSENT = "create", "update", "unchanged", "delete", "absent"


class DuplicateIntelError(InvalidInput):
    """More than one server document is the desired one."""


@dataclass(frozen=True)
class DesiredIntel:
    """What one `intel` task (or one `intel_sync` entry) asks for."""

    state: str = "present"
    document: formats.IntelDocument | None = None
    labels: tuple | None = None          # label names: the exact set; None leaves labels alone
    description: str | None = None       # YARA only: the server keeps it beside the rules
    intel_id: int | None = None          # the server id, when the user pins it
    name: str | None = None              # for `absent` without a document
    intel_type: str | None = None

    @property
    def display_name(self):
        if self.document is not None:
            return self.document.name
        return self.name if self.name is not None else f"id {self.intel_id}"

    @property
    def type(self):
        return self.document.type if self.document is not None else self.intel_type


@dataclass
class IntelChange:
    """The planned change for one document: what apply sends and what --diff shows."""

    action: str
    desired: DesiredIntel
    current: dict | None = None
    upload: formats.IntelDocument | None = None
    labels_to_attach: tuple = ()          # label names, as the task gives them (created on the server if missing)
    labels_to_detach: tuple = ()          # label names, as the server spells them
    current_labels: tuple = ()            # label names the server document carries now

    @property
    def changed(self):
        return self.action in (CREATE, UPDATE, DELETE) or bool(self.labels_to_attach or self.labels_to_detach)

    @property
    def name(self):
        return self.desired.display_name if self.current is None else self.current.get("name")

    @property
    def labels_after(self):
        if self.desired.labels is None:
            return tuple(self.current_labels)
        return tuple(sorted(set(self.desired.labels), key=str.casefold))

    def before(self):
        """Metadata and hashes of the server document now, never its body."""
        if self.current is None:
            return {"state": "absent"}
        return _view(self.current, self.current_labels)

    def after(self):
        """The same view, as it will be (or, in check mode, would be) after the change."""
        predicted = self.predicted()
        return {"state": "absent"} if predicted is None else _view(predicted, self.labels_after)

    def predicted(self):
        """The server document as it will be after the change (None when absent): check mode's answer."""
        if self.action in (DELETE, ABSENT):
            return None
        predicted = dict(self.current or {"id": None, "revisionId": 0, "labelIds": []})
        if self.action in (CREATE, UPDATE):
            upload = self.upload
            description = upload.description if self.desired.description is None else self.desired.description
            predicted.update(name=upload.name, type=predicted.get("type", upload.type), md5=upload.md5,
                             size=upload.size, intrinsicId=upload.intrinsic_id,
                             revisionId=predicted["revisionId"] + 1, description=description)
        return predicted


def _view(server_doc, label_names):
    return {
        "state": "present",
        "name": server_doc.get("name"),
        "description": server_doc.get("description") or "",
        "type": server_doc.get("type"),
        "md5": server_doc.get("md5"),
        "size": server_doc.get("size"),
        "revision": server_doc.get("revisionId"),
        "labels": sorted(label_names, key=str.casefold),
    }


def identity_matches(desired, server_docs):
    """The server documents that are the desired one: by id, else type + intrinsic id, else type + name."""
    if desired.intel_id is not None:
        return [doc for doc in server_docs if doc.get("id") == desired.intel_id]
    same_type = [doc for doc in server_docs if desired.type is None
                 or formats.matches_server_type(desired.type, str(doc.get("type", "")))]
    document = desired.document
    if document is not None and document.intrinsic_id:
        by_identity = [doc for doc in same_type if doc.get("intrinsicId") == document.intrinsic_id]
        if by_identity:
            return by_identity
    name = document.name if document is not None else desired.name
    return [doc for doc in same_type if doc.get("name") == name]


def single_match(desired, server_docs):
    matches = identity_matches(desired, server_docs)
    if len(matches) > 1:
        ids = ", ".join(str(doc["id"]) for doc in sorted(matches, key=lambda doc: doc["id"]))
        kind = f" ({desired.type})" if desired.type else ""
        raise DuplicateIntelError(
            f"{len(matches)} documents on the server match {desired.display_name!r}{kind}: ids {ids}. "
            "Delete the extra copies, or set `id` to the one to manage.")
    return matches[0] if matches else None


def same_content(desired, server_doc):
    """Whether a server document holds what `desired` would upload (a copy of it, whatever its labels)."""
    upload = desired.document
    if server_doc.get("intrinsicId"):
        upload = upload.with_intrinsic_id(server_doc["intrinsicId"])
    return not _content_differs(desired, server_doc, upload)


def plan_change(desired, current, current_labels=()):
    """The change that makes `current` (a server document or None) what `desired` asks for.

    `current_labels`: the names of the labels the server document carries (IntelStore.label_names).
    """
    current_labels = tuple(current_labels)
    if desired.state == "absent":
        return IntelChange(DELETE if current else ABSENT, desired, current, current_labels=current_labels)
    attach, detach = _label_changes(desired.labels, current_labels)
    if current is None:
        return IntelChange(CREATE, desired, None, desired.document, attach, (), ())
    upload = desired.document
    if current.get("intrinsicId"):
        # Keep the stored intrinsic id, or the server creates a new document instead (docs/wire-format.md#intel-documents).
        upload = upload.with_intrinsic_id(current["intrinsicId"])
    action = UPDATE if _content_differs(desired, current, upload) else UNCHANGED
    return IntelChange(action, desired, current, upload, attach, detach, current_labels)


def _content_differs(desired, current, upload):
    if formats.comparison(upload.type) == "signal_fields":
        differs = formats.signal_fields(upload) != formats.signal_fields(current.get("contents") or "{}")
    else:
        differs = current.get("md5") != upload.md5
    if desired.description is not None and (current.get("description") or "") != desired.description:
        differs = True
    return differs


def _label_changes(wanted, current):
    """(names to attach, names to detach) to turn the current labels into exactly `wanted` (names compare
    case-insensitively, as the console treats them)."""
    if wanted is None:
        return (), ()
    wanted_folded = {name.casefold() for name in wanted}
    have_folded = {name.casefold() for name in current}
    attach = tuple(sorted({name for name in wanted if name.casefold() not in have_folded}, key=str.casefold))
    detach = tuple(sorted({name for name in current if name.casefold() not in wanted_folded}, key=str.casefold))
    return attach, detach


class HeldBytes:
    """Server documents by md5, to recognise a file whose exact bytes the server already holds.

    Such a file needs neither parsing nor checking again: what it would upload is stored already, so
    it can only be unchanged (or need labels). Its identity comes from the server's listing. Only for
    types the server keeps byte for byte (signals are re-serialised), and only when exactly one
    document holds the bytes: copies take the full path, which resolves them.
    """

    def __init__(self, list_documents):
        self._list_documents = list_documents   # the server's listing, read on first use
        self._documents = None
        self._by_md5 = None

    @property
    def documents(self):
        if self._documents is None:
            self._documents = list(self._list_documents())
        return self._documents

    def _holders(self, md5):
        if self._by_md5 is None:
            self._by_md5 = {}
            for document in self.documents:
                if document.get("md5"):
                    self._by_md5.setdefault(document["md5"], []).append(document)
        return self._by_md5.get(md5, ())

    def held_document(self, content, source, intel_type, yara_name):
        """The document described from the one server document holding `content`, else None.

        `intel_type` (None for any) and `yara_name` are the entry's: a held document must agree with both.
        """
        md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()  # once: the document keeps it
        found = self._holders(md5)
        if len(found) != 1:
            return None
        document = found[0]
        held_type = formats.server_type_of(str(document.get("type", "")), intel_type)
        if held_type is None or formats.comparison(held_type) != "md5":
            return None
        name = document.get("name") or ""
        if held_type == "yara":
            if name != yara_name:
                return None  # a YARA document's identity is its upload file name, not its bytes
            return formats.held_document(content, source, held_type, name, "", name, md5)
        return formats.held_document(content, source, held_type, name, document.get("description") or "",
                                     document.get("intrinsicId"), md5)


class IdentityIndex:
    """Server documents listed once, indexed by intrinsic id and by name, for matching a whole set."""

    def __init__(self, documents):
        self.documents = documents
        self._by_key = {}
        for document in documents:
            for key in (document.get("intrinsicId"), document.get("name")):
                if key:
                    self._by_key.setdefault(key, []).append(document)

    def _candidates(self, desired):
        found = {}
        for key in (desired.document.intrinsic_id, desired.document.name):
            for document in self._by_key.get(key, ()):
                found[document["id"]] = document
        return list(found.values())

    def all_matches(self, desired):
        return identity_matches(desired, self._candidates(desired))

    def match(self, desired):
        """The one listed document `desired` is, or None; DuplicateIntelError when several are."""
        return single_match(desired, self._candidates(desired))
