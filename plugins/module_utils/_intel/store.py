# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server calls for intel documents and labels, in the shapes the server expects.

Reads are used freely. The intel write methods are called only from _intel/apply.py, the label ones
from there and from _intel/labels.py; each of those skips them in check mode. Labels go in and come
out by name: label ids exist only between this store and the server.
"""

from __future__ import annotations

import concurrent.futures
import re
import threading

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import documents as formats
from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    InvalidInput,
    NotFoundError,
    ThreatResponseError,
    WriteOutcomeUnknown,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import single_match


class IntelStore:
    """Intel documents and labels on one server, through one client.

    Documents are created through an `api-client` source named `source_name` (found or created once
    per store), as OpenCTI's connector does; the source marks each document as this collection's from
    its creation on, so a run killed before labelling leaves nothing purge cannot find. On a server
    without sources they are created as Tanium's how-to does (`sources_refused` says why), and only
    their labels mark them.
    """

    def __init__(self, client, source_name=wire.DEFAULT_SOURCE_NAME, parallel=1):
        self.client = client
        self.source_name = source_name
        self.parallel = parallel  # listing pages read at a time
        self._labels = None          # casefolded name -> label, as listed (and created) in this run
        self._label_names = None     # label id -> name
        self._named = {}             # every name label_names gave -> its label id
        self._labels_lock = threading.RLock()
        self._source_ids = None
        self.sources_refused = None  # the request that showed the server has no sources, once one has

    # -- reads --------------------------------------------------------------------------------

    def get_intel(self, intel_id):
        """The document with that id, or None."""
        return self._with_label_ids(self.client.get_or_none(self.client.api_path(wire.INTEL, intel_id=intel_id)))

    def with_contents(self, document):
        """A signal with its `contents`, which list answers may leave out (docs/wire-format.md#intel-documents: seen on single GET)."""
        if document is None or document.get("type") != "tanium-signal" or "contents" in document:
            return document
        fetched = self.client.get_or_none(self.client.api_path(wire.INTEL, intel_id=document["id"]))
        # What the listing said (e.g. label ids filled in from filtered listings) stays unless re-read.
        return document if fetched is None else dict(document, **fetched)

    def find_document(self, desired):
        """The server document `desired` (a DesiredIntel) is, or None: the one lookup of a single document.

        By pinned id; else by name (one filtered listing) and, when the name changed since the upload,
        by intrinsic id. Raises DuplicateIntelError when several documents are it.
        """
        if desired.intel_id is not None:
            current = self.get_intel(desired.intel_id)
            if current is None and desired.state == "present":
                raise InvalidInput(f"there is no intel document with id {desired.intel_id}")
            return current
        document = desired.document
        name = document.name if document is not None else desired.name
        by_name = list(self.list_intels(name=name, intel_type=formats.server_type_filter(desired.type)))
        intrinsic = document.intrinsic_id if document is not None else None
        if intrinsic and intrinsic != name and not any(doc.get("intrinsicId") == intrinsic for doc in by_name):
            # The name may have changed since the upload: the intrinsic id is what identifies it.
            same_type = list(self.list_intels(intel_type=formats.server_type_filter(document.type)))
            if any(doc.get("intrinsicId") == intrinsic for doc in same_type):
                return self._complete(single_match(desired, same_type))
        return self._complete(single_match(desired, by_name))

    def _complete(self, document):
        """A listed document with what list answers may leave out: a signal's contents, the label ids."""
        return self._with_label_ids(self.with_contents(document))

    def _with_label_ids(self, document):
        """4.x may leave `labelIds` out of intel objects: then the document's label list says them."""
        if document is not None and "labelIds" not in document:
            labels = self.client.get(self.client.api_path(wire.INTEL_LABELS, intel_id=document["id"]))
            document = dict(document, labelIds=_label_ids(labels) or [])
        return document

    def list_intels(self, name=None, intel_type=None, label_id=None, page_size=wire.PAGE_LIMIT):
        """Every document matching the filters, all pages. `name` matches exactly.

        The server's `name` filter may match substrings (docs/wire-format.md#intel-documents), so it only narrows the
        listing; the exact comparison happens here.
        """
        params = {}
        if name is not None:
            params["name"] = name
        if intel_type is not None:
            params["type"] = intel_type
        if label_id is not None:
            params["labelId"] = label_id
        for intel in self.client.paginate(self.client.api_path(wire.INTELS), params, page_size=page_size,
                                          parallel=self.parallel):
            if name is None or intel.get("name") == name:
                yield intel

    def listing_ahead(self):
        """Start reading the whole listing on another thread now; call the result for the documents.

        For a caller with local work to do first (reading its files) that needs the listing after it.
        """
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        reading = pool.submit(lambda: list(self.list_intels()))
        pool.shutdown(wait=False)
        return reading.result

    def fill_label_ids(self, documents, names=None):
        """Give listed documents that lack `labelIds` (4.x may leave it out) their labels among `names`
        (None: every label).

        One `labelId`-filtered listing per label in play, never a request per document; labels not in
        play stay unknown, which is all a set needs to decide membership, purge and label changes.
        """
        lacking = [document for document in documents if "labelIds" not in document]
        if not lacking:
            return
        labels = self.labels()
        in_play = labels.values() if names is None else (labels[name.casefold()] for name in names
                                                         if name.casefold() in labels)
        members = {label_id: {document["id"] for document in self.list_intels(label_id=label_id)}
                   for label_id in sorted({label["id"] for label in in_play})}
        for document in lacking:
            document["labelIds"] = [label_id for label_id, ids in members.items() if document["id"] in ids]

    def labels(self):
        """All labels, read once per store: {casefolded name: label}. One GET unless the page was full."""
        with self._labels_lock:
            if self._labels is None:
                listing = list(self.client.paginate(self.client.api_path(wire.LABELS), short_page_ends=True))
                self._labels = {str(label.get("name", "")).casefold(): label for label in listing}
                self._label_names = {label["id"]: label.get("name") for label in listing}
            return self._labels

    def find_label(self, name):
        """The label with that name (case-insensitive, as the console treats names), or None."""
        return self.labels().get(name.casefold())

    def label_names(self, document):
        """The names of the labels a server document carries (the one place label ids become names).

        An id the label listing does not hold (a label deleted meanwhile) is named `#<id>`; detach_label
        takes every name given here back to its id.
        """
        label_ids = (document or {}).get("labelIds") or ()
        if not label_ids:
            return ()
        with self._labels_lock:
            self.labels()
            names = tuple(self._label_names.get(label_id) or f"#{label_id}" for label_id in label_ids)
            self._named.update(zip(names, label_ids))
        return names

    def own_source_ids(self, create=False):
        """Ids of this store's source (several if concurrent runs each created one); creates it if asked.

        Empty on a server without sources (`sources_refused`).
        """
        with self._labels_lock:
            try:
                if self._source_ids is None and self.sources_refused is None:
                    listing = as_list(self.client.get(self.client.api_path(wire.SOURCES)))
                    self._source_ids = sorted(source["id"] for source in listing
                                              if source.get("name") == self.source_name)
                if not self._source_ids and create and self.sources_refused is None:
                    self._source_ids = [self._create_source()["id"]]
            except ApiError as error:
                self._unless_sources_refused(error)
            return [] if self.sources_refused else list(self._source_ids)

    def _unless_sources_refused(self, error):
        """Re-raise `error` unless it says the server has no sources; then remember that, and say so (uploads
        running in parallel may each say it: the module shows a warning once)."""
        if error.status not in wire.NO_SOURCES_STATUSES:
            raise error
        self.sources_refused = f"{error.method} {error.path} answered {error.status}"
        self.client.warn(
            f"the server has no intel sources ({self.sources_refused}): documents are created with POST "
            f"{self.client.api_path(wire.INTELS)}, as Tanium's how-to does, and only their labels mark "
            "them as managed by this task")

    def _create_source(self):
        path = self.client.api_path(wire.SOURCES)
        body = {"type": wire.SOURCE_TYPE, "name": self.source_name, "description": wire.SOURCE_DESCRIPTION}
        try:
            return self.client.post(path, json_body=body)
        except (WriteOutcomeUnknown, ApiError) as error:
            if isinstance(error, ApiError) and error.status in wire.NO_SOURCES_STATUSES:
                raise
            # Lost answer, or another run created it meanwhile: the listing tells.
            listing = as_list(self.client.get(path))
            existing = sorted((source for source in listing if source.get("name") == self.source_name),
                              key=lambda source: source["id"])
            if not existing:
                raise
            return existing[0]

    # -- writes (only through _intel.apply) ----------------------------------------------------

    def create_intel(self, document, description=None):
        """Create through this store's source, or through the seed's route on a server without sources
        (docs/wire-format.md#creating-and-updating-documents): the one place the route is chosen."""
        source_ids = self.own_source_ids(create=True)
        if source_ids:
            path = self.client.api_path(wire.SOURCE_INTELS, source_id=source_ids[0])
            try:
                return self.client.post(path, **upload_request(document, description, wire.SOURCE_ROUTE))
            except ApiError as error:
                self._unless_sources_refused(error)
        if document.type == "tanium-signal":
            raise ThreatResponseError(
                f"cannot create the Tanium signal {document.name!r}: this server has no intel sources "
                f"({self.sources_refused}), and public clients create signals only through one")
        return self.client.post(self.client.api_path(wire.INTELS),
                                **upload_request(document, description, wire.SEED_ROUTE))

    def update_intel(self, intel_id, document, description=None):
        """PUT the document with OpenCTI's update headers, on every server (docs/wire-format.md#upload-headers)."""
        return self.client.put(self.client.api_path(wire.INTEL, intel_id=intel_id),
                               **upload_request(document, description))

    def delete_intel(self, intel_id):
        """Delete a document; one that is already gone is fine."""
        try:
            self.client.delete(self.client.api_path(wire.INTEL_DELETE), params={"id": intel_id})
        except NotFoundError:
            pass

    def attach_label(self, document, name):
        """`document` with the label `name` attached, the label created first if the server has none of that name.

        `name` is the task's spelling, and what an error says.
        """
        label_id = self._label_id_creating(name)
        path = self.client.api_path(wire.INTEL_LABELS, intel_id=document["id"])
        try:
            answer = self.client.put(path, json_body={"id": label_id})
        except ApiError as error:
            if error.status != wire.UNKNOWN_LABEL_STATUS:
                raise
            raise ApiError(error.method, error.path, error.status,
                           f"the server does not know label {name!r} (it answers {error.status} for an unknown "
                           "label): it was probably deleted while this task ran; run the task again") from None
        label_ids = _label_ids(answer) if answer is not None else [*(document.get("labelIds") or ()), label_id]
        return dict(document, labelIds=sorted(label_ids))

    def detach_label(self, document, name):
        """`document` without the label `name`, one of its label_names."""
        with self._labels_lock:
            label_id = self._named[name]
        path = self.client.api_path(wire.INTEL_LABEL, intel_id=document["id"], label_id=label_id)
        try:
            answer = self.client.delete(path)
        except NotFoundError:
            answer = None
        label_ids = (_label_ids(answer) if answer is not None
                     else [known for known in document.get("labelIds") or () if known != label_id])
        return dict(document, labelIds=sorted(label_ids))

    def _label_id_creating(self, name):
        """The id of the label with that name, creating the label if it does not exist yet."""
        with self._labels_lock:
            existing = self.labels().get(name.casefold())
            if existing is None:
                existing = self.create_label(name, "")
                self._labels[name.casefold()] = existing
                self._label_names[existing["id"]] = existing.get("name", name)
        return existing["id"]

    def create_label(self, name, description):
        """Create a label, or use the one of that name the server holds if this create raced or lost its answer."""
        path, body = self.client.api_path(wire.LABELS), {"name": name, "description": description}
        try:
            return self.client.post(path, json_body=body)
        except WriteOutcomeUnknown:
            # The create may have been applied before its answer was lost: look before sending it again.
            return self._fresh_label(name) or self.client.post(path, json_body=body)
        except ApiError:
            # Another run may have created it meanwhile (a 409 where names are unique): use that label.
            existing = self._fresh_label(name)
            if existing is None:
                raise
            return existing

    def _fresh_label(self, name):
        """The label named `name` from a new listing: the cached one predates the create."""
        with self._labels_lock:
            self._labels = self._label_names = None
            return self.find_label(name)

    def update_label(self, label_id, fields):
        """`PUT labels/{id}`, else `PUT labels?id=` (docs/wire-format.md#labels), as this server serves."""
        return self.client.variants.send(
            "label update",
            lambda: self.client.put(self.client.api_path(wire.LABEL, label_id=label_id), json_body=fields),
            lambda: self.client.request("PUT", self.client.api_path(wire.LABELS), params={"id": label_id},
                                        json_body=fields))

    def delete_label(self, label_id):
        try:
            self.client.delete(self.client.api_path(wire.LABEL, label_id=label_id))
        except NotFoundError:
            pass


def upload_request(document, description, route=None):
    """Body and headers that create (`route`: wire.SOURCE_ROUTE or wire.SEED_ROUTE) or, without a route,
    update a document, from the one table wire.UPLOAD_HEADERS (docs/wire-format.md#upload-headers)."""
    form = wire.UPLOAD_HEADERS[document.type]
    headers = {"Content-Type": form.content_type}
    if route == wire.SEED_ROUTE:
        if document.upload_filename:
            # 4.x needs the `attachment;` form (docs/wire-format.md#upload-headers); 3.x accepts it too.
            headers["Content-Disposition"] = content_disposition(document.upload_filename)
        return {"json_body": None, "data": document.content, "headers": headers}
    type_header = form.create_type if route == wire.SOURCE_ROUTE else form.update_type
    if type_header:
        headers["type"] = type_header
    if form.named_by_headers:
        headers["Content-Disposition"] = content_disposition(document.upload_filename)
        headers["name"] = document.name
        if description is not None:
            # INFERRED: it sets the document's description.
            headers["description"] = one_line(description)
    return {"json_body": None, "data": document.content, "headers": headers}


# Header values are bytes on the wire; only ASCII reads the same under every server's decoding, and how
# Threat Response decodes non-ASCII header bytes is unknown (docs/wire-format.md#intel-documents, upload headers).
_HEADER_TEXT = re.compile(r"[\x20-\x7e]*")
# Longer upload names are refused before any write: servers and proxies cap header sizes (a 500 KB name
# got 431), and 255 is the longest file name common file systems keep.
MAX_UPLOAD_NAME = 255


def upload_header_problem(document, description):
    """Why a document's upload name or description cannot travel in a header, or None (checked before any write)."""
    name = document.upload_filename
    if len(name) > MAX_UPLOAD_NAME:
        return (f"its upload name is {len(name):,} characters long; the Content-Disposition header carries at "
                f"most {MAX_UPLOAD_NAME}: give it a shorter `name`")
    if not _HEADER_TEXT.fullmatch(name):
        return (f"its upload name {name[:60]!r} holds characters other than printable ASCII, which the "
                "Content-Disposition header cannot carry unambiguously: give it an ASCII `name`")
    if description is not None and not _HEADER_TEXT.fullmatch(one_line(description)):
        return ("its description holds characters other than printable ASCII; a YARA document's description "
                "travels in an HTTP header, which carries ASCII only unambiguously: use an ASCII description "
                "(the rule's own meta may hold any text)")
    return None


def one_line(text):
    """A header value as the server stores it: header values hold one line (docs/wire-format.md#upload-headers)."""
    return " ".join(text.split())


def content_disposition(filename):
    """`attachment; filename=x`, never quoted, as every public client sends it (spaces included); the
    formats layer keeps `"`, `\\`, `/` and `;` out of upload names, so the value always parses."""
    return f"attachment; filename={filename}"


def _label_ids(response):
    """Label ids from an attach/detach answer: the document's label list (objects or ids)."""
    if response is None:
        return None
    return sorted(item["id"] if isinstance(item, dict) else item for item in as_list(response))
