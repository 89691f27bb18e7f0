# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where things are on the Threat Response server: the wire facts the rest of the collection uses.

Facts marked INFERRED in ../../docs (and in the reference the collection was built from) are guesses
no public source confirms; each stands here once, so one edit changes it everywhere.
"""

from __future__ import annotations

import dataclasses

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"tanium.threat_response/{COLLECTION_VERSION}"

# api_version -> the plugin path prefix of that API family, and whether it wraps bodies in {"data": ...}.
API_FAMILIES = {
    "4": ("/plugin/products/threat-response/api/v1", True),
    "3": ("/plugin/products/detect3/api/v1", False),
}
# Deploy, deployment status and tasks exist only in the threat-response family, on TR 3.x too.
DEPLOY_FAMILY = "4"
LOGIN_PATH = "/api/v2/session/login"

# The server answers 400 to a larger `limit` (docs/wire-format.md#paging).
PAGE_LIMIT = 500

# Paths inside a family, formatted with keyword arguments.
INTELS = "intels"
INTEL = "intels/{intel_id}"
# INFERRED: `DELETE intels/?id=` is what current clients send; the older `DELETE intels/{id}` also exists.
INTEL_DELETE = "intels/"
INTEL_LABELS = "intels/{intel_id}/labels"
INTEL_LABEL = "intels/{intel_id}/labels/{label_id}"
LABELS = "labels"
# UNKNOWN: no public client updates a label by path; one (Splunk's Detect connector) sends `PUT labels?id=`.
# Label update tries the path form first and falls back to the query form on these statuses (_api/variants.py).
LABEL = "labels/{label_id}"
MISSING_FORM_STATUSES = (404, 405)
# An unknown label id on attach answers 500, not 404 (docs/wire-format.md#labels).
UNKNOWN_LABEL_STATUS = 500
# Documents are created through an `api-client` source, as OpenCTI's connectors do (the source route);
# on a server that answers NO_SOURCES_STATUSES there, through the seed's route, POST INTELS, as Tanium's
# how-to, XSOAR and Splunk SOAR do (docs/wire-format.md#creating-and-updating-documents).
SOURCES = "sources"
SOURCE_INTELS = "sources/{source_id}/intels"
SOURCE_TYPE = "api-client"
NO_SOURCES_STATUSES = (404, 405)
SOURCE_ROUTE, SEED_ROUTE = "source", "seed"


@dataclasses.dataclass(frozen=True)
class UploadHeaders:
    """How one format travels in a create or update (docs/wire-format.md#upload-headers)."""

    content_type: str
    extension: str  # the upload file name is <name><extension>
    create_type: str | None  # the `type` header of a source-route create (None: no header)
    update_type: str | None  # the `type` header of an update (PUT)
    # The document carries no name of its own (YARA): `Content-Disposition` names the file on the
    # source route and in updates too, and the `name` and `description` headers go with it.
    named_by_headers: bool


# THE per-format upload header table. Source route and updates: OpenCTI's tanium-intel connector;
# the seed's route sends `Content-Type` and `Content-Disposition: attachment; filename=<file name>` only.
UPLOAD_HEADERS = {
    "openioc": UploadHeaders("application/xml", ".ioc", "openioc", "ioc", False),
    "stix": UploadHeaders("application/xml", ".stix", "stix", "stix", False),
    # INFERRED: no public client uploads CybOX: the extension and the `type` value (the server type the
    # collection expects first, which is UNKNOWN) are guesses.
    "cybox": UploadHeaders("application/xml", ".xml", "cybox", "cybox", False),
    "yara": UploadHeaders("application/octet-stream", ".yara", "yara", "yara", True),
    # Signals are JSON bodies without a file name or a `type` header; no client creates one but through a source.
    "tanium-signal": UploadHeaders("application/json", "", None, None, False),
}
DEFAULT_SOURCE_NAME = "tanium.threat_response"
# intel_sync: one source per managed label, so purge of one set never touches another set's documents.
SYNC_SOURCE_NAME = "tanium.threat_response: {managed_label}"
SOURCE_DESCRIPTION = "Intel managed as code by the Ansible collection tanium.threat_response."
DEPLOY = "intel/deploy"
# INFERRED (docs/wire-format.md#deploy-and-deployment-status): no shipping client sends a body; a JSON
# content type with an empty body is what answered 400 in OpenCTI's issue 3593, so the body is `{}`.
DEPLOY_BODY = {}
DEPLOY_STATUS = "intel/status"
# Tasks (docs/wire-format.md#deployment-finished): deploys and file downloads name one. INFERRED for
# deploy tasks: the task is polled until its `status` is TASK_DONE; TASK_FAILED statuses (no public
# source shows a failure status) end the wait with an error. A server that answers TASK_UNREADABLE to
# the task read leaves the `intel/status` rule to decide.
TASK = "tasks/{task_id}"
TASK_DONE = "COMPLETED"
TASK_FAILED = ("ERROR", "CANCELLED", "FAILED")
TASK_UNREADABLE = (403, 404, 405)
ALERTS = "alerts"
ALERT = "alerts/{alert_id}"
# 3.x alert state: PUT ALERT {"state": ...} first; where that answers 404/405, the bulk form
# PUT alerts/ {"state": ..., "id": [...]} (docs/wire-format.md#alert-state).
ALERTS_BULK = "alerts/"
# Alert list filters, option -> query parameter (docs/wire-format.md#alerts). Several values go as the
# parameter repeated: VERIFIED for `state`; INFERRED for the others (repeating a parameter means OR in
# the parameter list stix-shifter copied from Tanium's documentation).
ALERT_FILTERS = {"state": "state", "priority": "priority", "severity": "severity", "label": "labelName"}
# The server's clock, as far as an alert tells it: the time it received the alert (4.x), else the time
# it stored it (docs/wire-format.md#server-clock). No public client reads the HTTP `Date` header.
ALERT_RECEIVED_AT = ("receivedAt", "createdAt")

# --- Other API families: the platform API (/api/v2, dec/v1) and quick scans ------------------------
# Absolute paths, on the same server and with the same `session` header as Threat Response.
SYSTEM_STATUS = "/api/v2/system_status"
# The platform field of an endpoint comes from here (system_status has none).
# INFERRED: a server without this API answers 404 there; the platform is then left unknown.
DEC_ENDPOINTS = "/plugin/products/dec/v1/endpoints"
# The inventory's reads (docs/wire-format.md#inventory).
# INFERRED: system_status is a cached list paged as result_data is: when its cache object counts more
# rows (under the first of these keys it holds) than the answer carried, the rest is asked for with
# RESULT_PAGING_HEADER {row_start, row_count, cache_id}.
SYSTEM_STATUS_TOTAL_KEYS = ("filtered_row_count", "cache_row_count")
# INFERRED: an alert names its endpoint by computerName, which is the endpoint's system_status
# host_name (compared ignoring case); computerIpAddress tells apart endpoints that share a name.
ALERT_HOST_NAME, ALERT_HOST_IP = "computerName", "computerIpAddress"
PARSE_QUESTION = "/api/v2/parse_question"
QUESTIONS = "/api/v2/questions"
RESULT_INFO = "/api/v2/result_info/question/{question_id}"
RESULT_DATA = "/api/v2/result_data/question/{question_id}"
SAVED_QUESTION_BY_NAME = "/api/v2/saved_questions/by-name/{name}"
# Reading it makes the server ask the saved question again (one source, AX).
SAVED_QUESTION_REASK = "/api/v2/result_info/saved_question/{saved_id}"
SENSOR_BY_NAME = "/api/v2/sensors/by-name/{name}"
GROUP_BY_NAME = "/api/v2/groups/by-name/{name}"
# Paging of result_data: a JSON header, not query parameters.
RESULT_PAGING_HEADER = "tanium-options"
RESULT_PAGE_ROWS = 500
# Special answer values: not data. The unavailable spellings vary by version.
NO_RESULTS = "[no results]"
UNAVAILABLE_VALUES = ("[current result unavailable]", "[current results unavailable]", "[results currently unavailable]")
ERROR_PREFIX = "TSE-Error:"
# A parameterised sensor's parameter goes into the select with its key wrapped in ||.
PARAMETER_KEY = "||{key}||"
# Quick (on-demand) scans: a different path per family, relative to that family's prefix.
SCANS = {"4": "on-demand-scans/", "3": "quick-scans/"}

# --- File collection (docs/wire-format.md#file-collection) -----------------------------------------
# Threat-response family on 3.x and 4.x alike; answers carry no {"data": ...} envelope (tasks do).
CONN_CONNECT = "conns/connect"
CONNS = "conns"
CONN_FILE = "conns/{cid}/file"
CONN_CLOSE = "conns/close/{cid}"
CONN_DELETE = "conns/delete/{cid}"
CONN_CONNECTED = "connected"
CONN_FAILED = ("timeout", "disconnected")
EVIDENCE_LIST = "filedownload"
EVIDENCE_DATA = "filedownload/data/{uuid}"
EVIDENCE_ZIP_PASSWORD = b"infected"
# INFERRED: which digest the evidence's `hash` is; it is matched by its length (32, 40 or 64 hex digits).

# --- Response: response actions, snapshots, platform actions (docs/wire-format.md#response) ---------
# Threat-response family ({T}) on 3.x and 4.x servers alike, except the platform paths (absolute).
RESPONSE_ACTIONS = "response-actions"
# The module's `type` -> the wire `type` of a response action.
RESPONSE_ACTION_TYPES = {"gather_snapshot": "gatherSnapshot", "quarantine": "quarantine"}
# The quarantine package per endpoint platform (lower case), as one public client maps them.
QUARANTINE_PACKAGES = {"windows": "Apply Windows IPsec Quarantine", "linux": "Apply Linux IPTables Quarantine",
                       "mac": "Apply Mac PF Quarantine"}
# A quarantine names nine package parameters, each with a null value.
QUARANTINE_PARAMETER_KEYS = tuple(f"${number}" for number in range(1, 10))
RESPONSE_ACTION_PAGE = 50
# The task list: the task of a response action is the one whose metadata `type` and `id` are the
# action's (VERIFIED for quarantine; INFERRED for gatherSnapshot).
TASKS = "tasks"
# A response action's or snapshot's task, by status: True = succeeded, False = ended without succeeding;
# any other status is not final yet. COMPLETED, INCOMPLETE and ERROR are VERIFIED; the rest INFERRED.
RESPONSE_TASK_OUTCOMES = {"COMPLETED": True, "INCOMPLETE": False, "ERROR": False, "EXPIRED": False,
                          "CANCELLED": False, "FAILED": False}
# Snapshots: taken over a live connection; its task is read at TASK (INFERRED: the file-download task's shape).
CONN_SNAPSHOT = "conns/{cid}/snapshot"
SNAPSHOTS = "snapshot"
SNAPSHOT_ITEMS = "snapshots"
# Platform actions (packages deployed to endpoints), absolute paths of the platform API.
PACKAGE_BY_NAME = "/api/v2/packages/by-name/{name}"
ACTIONS = "/api/v2/actions"
ACTION_RESULT_DATA = "/api/v2/result_data/action/{action_id}"
ACTION_STATUS_COLUMN = "Action Statuses"
ACTION_HOST_COLUMN = "Computer Name"
HOSTNAME_SENSOR = "Computer Name"
# One endpoint's action status -> (final when the package has no verify group, final when it has one).
# Statuses not listed are not final. Named endpoints are targeted by a filter group of OR'ed sub-groups,
# one per host name (INFERRED: one public client builds it for one host).
ENDPOINT_ACTION_STATUSES = {
    "Completed": (True, False), "Verified": (True, True), "Failed": (True, True),
    "NotSucceeded": (True, True), "Expired": (True, True), "Stopped": (True, True),
    "PendingVerification": (False, False), "Running": (False, False), "Downloading": (False, False),
    "Copying": (False, False), "Waiting": (False, False),
}
ENDPOINT_ACTION_SUCCEEDED = ("Completed", "Verified")
