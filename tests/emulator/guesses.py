"""Every INFERRED or UNKNOWN Threat Response behaviour the emulator guesses at, in one place.

docs/wire-format.md marks these as INFERRED or UNKNOWN; when evidence turns up, one edit here changes the emulator everywhere.
"""

# --- Intel documents (docs/wire-format.md#intel-documents) ---
# typeVersion for openioc/yara/signal is VERIFIED; STIX and CybOX values are UNKNOWN, so the
# emulator reports the version the document itself declares.
YARA_TYPE_VERSION = "3"
SIGNAL_TYPE_VERSION = "1.0"
# UNKNOWN: the type string TR uses for CybOX documents, and the `type` header a CybOX upload carries
# (no public client uploads CybOX).
CYBOX_TYPE = "cybox"
CYBOX_TYPE_HEADER = "cybox"
# 4.x-only `status` of an intel document; only "HIGH_FIDELITY" has ever been seen.
INTEL_STATUS_4X = "HIGH_FIDELITY"
# Source ids: 1 = user uploads, 2 = Tanium Signals (VERIFIED values, names INFERRED).
UPLOAD_SOURCE_ID = 1
SIGNAL_SOURCE_ID = 2
SEED_SOURCES = (
    {"id": UPLOAD_SOURCE_ID, "type": "user-upload", "name": "User Uploads", "description": ""},
    {"id": SIGNAL_SOURCE_ID, "type": "tanium-signals", "name": "Tanium Signals", "description": ""},
)
# INFERRED: a YARA file whose every rule is commented out (0 rules) is refused like an empty file.
REJECT_RULELESS_YARA = True
# INFERRED: a PUT only updates in place when the type is unchanged as well as the intrinsic id.
IN_PLACE_UPDATE_NEEDS_SAME_TYPE = True

# --- Lists (docs/wire-format.md#intel-documents, #paging) ---
DEFAULT_LIST_LIMIT = 50  # INFERRED from the 50-row README list
MAX_LIST_LIMIT = 500  # VERIFIED for alerts, claimed for intels; applied to every list

# --- Delete (docs/wire-format.md#intel-documents) ---
# `DELETE intels/?id=` answers 200 `{}` (a captured answer in a public client's tests); the status of the
# other deletes is UNKNOWN: 204 by analogy with alerts.
DELETE_BY_QUERY_ANSWER = {}
DELETE_STATUS = 204

# --- Labels (docs/wire-format.md#labels) ---
SEED_LABELS = (
    {"id": 1, "name": "Alpha",
     "description": "These signals have been tested and reviewed internally for syntax."},
    {"id": 2, "name": "Beta", "description": "These signals are under review."},
    {"id": 16, "name": "Windows", "description": "These signals are built for Windows hosts."},
)
# INFERRED: label names are unique (case-insensitive); a duplicate create or rename is a conflict.
LABEL_NAME_CONFLICT_STATUS = 409
# VERIFIED (docs/wire-format.md#labels): attaching a label id that does not exist is an internal server error.
UNKNOWN_LABEL_ATTACH_STATUS = 500

# --- Deploy (docs/wire-format.md#deploy-and-deployment-status) ---
DEPLOY_TASK_TYPE = "intelDeploy"  # invented; clients must not depend on it

# --- Endpoints (docs/wire-format.md#endpoints) ---
# INFERRED: system_status is a cached list paged like result_data, with the `tanium-options` header
# (`row_start`, `row_count`, `cache_id`); its last object tells the page (`page_row_count`) and the
# whole list (`filtered_row_count`, `cache_row_count`). Without the header: every row, as public
# clients read it.
SYSTEM_STATUS_CACHE_ID = "1f0c2a7e"
SYSTEM_STATUS_CACHE_SECONDS = 60
# UNKNOWN: the shape of the aggregate object's `versions` (no client reads it).
CLIENT_VERSION = "7.6.2.1218"

# --- File collection (docs/wire-format.md#file-collection) ---
# INFERRED: which digest the evidence record's `hash` is; clients should tell by its length.
EVIDENCE_HASH = "sha256"
EVIDENCE_ZIP_PASSWORD = b"infected"  # confirmed (docs/wire-format.md#file-collection)

# --- Alerts (docs/wire-format.md#alerts) ---
ALERT_STATES = ("unresolved", "inprogress", "resolved", "suppressed", "dismissed", "ignored")
ALERT_PRIORITY = "high"
ALERT_SEVERITY = "info"
ALERT_TYPE = "detect.match"
DEFAULT_ALERT_SORT = "-id"  # UNKNOWN; newest first like the intel list
# Hash searches of OpenIOC IndicatorItems that the simulated fleet can match, by hash kind
# (the part of `search` after the last "/", lower-cased).
OPENIOC_HASH_SEARCHES = {
    "md5sum": "md5", "md5": "md5",
    "sha1sum": "sha1", "sha1": "sha1",
    "sha256sum": "sha256", "sha256": "sha256",
}

# --- Sessions (docs/wire-format.md#authentication) ---
# UNKNOWN: the shape of GET /api/v2/session/current `data`.
SESSION_USER_ID = 1

# --- Response actions, snapshots, platform actions (docs/wire-format.md#response) ---
# INFERRED: the `type` of the task a response action runs (clients find it by its metadata instead).
RESPONSE_TASK_TYPE = "responseAction"
# INFERRED: a response action whose expirationTime passes before the endpoint ran it ends its task so.
EXPIRED_TASK_STATUS = "EXPIRED"
# A response action's status, from its task's: QUEUED and COMPLETED are VERIFIED, the rest INFERRED.
RESPONSE_ACTION_STATUS = {"STARTED": "QUEUED", "COMPLETED": "COMPLETED", "EXPIRED": "EXPIRED",
                          "ERROR": "FAILED", "INCOMPLETE": "INCOMPLETE"}
# UNKNOWN: whether a response action for a name the platform does not know is refused; the emulator refuses it.
REFUSE_UNKNOWN_COMPUTER_NAME = True
# INFERRED: the task of a snapshot taken over a live connection, read at tasks/{id}.
SNAPSHOT_TASK_TYPE = "snapshot"
# `created` of a snapshot: epoch milliseconds as a string in one client's test data, ISO in another's
# example (both VERIFIED as seen); the emulator serves the first.
SNAPSHOT_CREATED_AS_EPOCH_MS = True
SNAPSHOT_SORT_FIELDS = ("uuid", "username", "hostname", "created", "connectionId", "size", "name")
# INFERRED: the platform action's status while it runs, and after its expire_seconds.
PLATFORM_ACTION_RUNNING, PLATFORM_ACTION_EXPIRED = "Active", "Expired"
