"""EmulatorConfig: every knob of the emulator, with the defaults tests rely on."""

from __future__ import annotations

import dataclasses
from typing import Any

API_VERSIONS = {"3": "3", "3.x": "3", "4": "4", "4.x": "4", "both": "both"}
NAME_FILTERS = ("substring", "exact")
ALERT_UPDATES_3X = ("applied", "bulk_only", "ignored")
# Fields that EmulatorServer.configure() may change while the server runs, with their types.
LIVE_FIELD_TYPES = {"deploy_delay": float, "latency": float, "session_ttl": float,
                    "expired_status": int, "name_filter": str, "require_attachment_disposition": bool,
                    "question_delay": float, "result_page_max": int, "row_start_ignored": bool,
                    "list_page_max": int,
                    "tasks_readable": bool, "strict": bool, "label_ids_absent": bool,
                    "missing_intel_status": int, "collect_delay": float, "system_status_page_max": int,
                    "action_delay": float, "response_outcomes": dict, "action_outcomes": dict, "sources": bool}
LIVE_FIELDS = frozenset(LIVE_FIELD_TYPES)
# The emulator only ever listens on the loopback interface.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


@dataclasses.dataclass
class EmulatorConfig:
    api_version: str = "4"
    deploy_delay: float = 2.0
    latency: float = 0.0
    session_ttl: float = 300.0
    expired_status: int = 401
    name_filter: str = "substring"
    fleet: Any = None
    state_file: str | None = None
    tls_dir: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    max_body: int = 64 * 1024 * 1024
    # Quirk Q2: 4.x (threat-response family) wants `Content-Disposition: attachment; filename=...`.
    require_attachment_disposition: bool = True
    # False: `GET {T}/tasks/{id}` answers 404 (servers where the task cannot be read).
    tasks_readable: bool = True
    username: str = "admin"
    password: str | None = None  # None: a random password
    api_token: str | None = None  # None: a random token (kept in the state file when there is one)
    # Platform questions: the endpoints answer over this many seconds; result_data pages hold at most
    # result_page_max rows, whatever row_count the client asks for.
    question_delay: float = 2.0
    result_page_max: int = 1000
    # A broken server that answers every tanium-options page (result_data, system_status) from the first
    # row, whatever `row_start` asks.
    row_start_ignored: bool = False
    # Threat Response lists (intels, labels, alerts) answer at most this many rows a page, whatever
    # `limit` asks (0: no cap): a server may answer fewer rows than `limit` before the end of a list
    # (docs/wire-format.md#paging); clients must not take a short page for the last one.
    list_page_max: int = 0
    # 3.x alert state updates (docs/wire-format.md#alert-state): "applied"; "bulk_only" (the per-id
    # PUT answers 404); "ignored" (both forms answer 200 with the new state but change nothing).
    alert_updates_3x: str = "applied"
    # Strict: refuse the request forms no public client sends (tests/emulator/strict.py); integration
    # tests run with it on, so the collection cannot drift from the evidence unnoticed.
    strict: bool = False
    # 4.x intel objects without `labelIds` (docs/wire-format.md#labels: unknown whether 4.x sends it).
    label_ids_absent: bool = False
    # False: a server without intel sources, which answers 404 to every `sources` path; documents are
    # then created with `POST intels` (docs/wire-format.md#creating-and-updating-documents).
    sources: bool = True
    # A GET of one intel document that does not exist answers 404, or 400 "... not found" (both seen).
    missing_intel_status: int = 404
    # GET /api/v2/system_status answers at most this many clients (0: all of them); the rest are read
    # with the tanium-options header (docs/wire-format.md#endpoints).
    system_status_page_max: int = 0
    # File collection: a live connection turns `connected`, and a file download task completes,
    # this many seconds after it was asked for.
    collect_delay: float = 0.3
    # Response actions (tests/emulator/response_actions.py) and platform actions (platform_actions.py):
    # a response action's task, and each targeted endpoint's action status, end this many seconds after
    # the request. `response_outcomes` (host name -> task status) and `action_outcomes` (host name ->
    # action status) make an endpoint end otherwise; a status that is not final keeps it there.
    action_delay: float = 0.3
    response_outcomes: dict = dataclasses.field(default_factory=dict)
    action_outcomes: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        version = API_VERSIONS.get(str(self.api_version))
        if version is None:
            raise ValueError(f"api_version must be one of {sorted(API_VERSIONS)}, not {self.api_version!r}")
        self.api_version = version
        if self.alert_updates_3x not in ALERT_UPDATES_3X:
            raise ValueError(f"alert_updates_3x must be one of {ALERT_UPDATES_3X}")
        if self.host not in LOOPBACK_HOSTS:
            raise ValueError(f"the emulator only listens on loopback, not {self.host!r}")
        check_live_values(vars(self))

    def serves_family(self, family: str) -> bool:
        """True when the intel/label/alert paths of `family` ("3" or "4") are served."""
        return self.api_version in (family, "both")


def coerce_live_values(fields: dict) -> dict:
    """Live fields converted to their types (the control API hands over JSON values)."""
    try:
        coerced = {name: LIVE_FIELD_TYPES[name](value) for name, value in fields.items()}
    except (TypeError, ValueError) as error:
        raise ValueError(f"bad configuration value: {error}") from None
    check_live_values(coerced)
    return coerced


def check_live_values(fields: dict) -> None:
    if "expired_status" in fields and fields["expired_status"] not in (401, 403):
        raise ValueError("expired_status must be 401 or 403")
    if "name_filter" in fields and fields["name_filter"] not in NAME_FILTERS:
        raise ValueError(f"name_filter must be one of {NAME_FILTERS}")
    if "missing_intel_status" in fields and fields["missing_intel_status"] not in (400, 404):
        raise ValueError("missing_intel_status must be 400 or 404")
    if "list_page_max" in fields and int(fields["list_page_max"]) < 0:
        raise ValueError("list_page_max must not be negative")
    if "system_status_page_max" in fields and int(fields["system_status_page_max"]) < 0:
        raise ValueError("system_status_page_max must not be negative")
    if "result_page_max" in fields and int(fields["result_page_max"]) < 1:
        raise ValueError("result_page_max must be at least 1")
    for name in ("response_outcomes", "action_outcomes"):
        if name in fields and not all(isinstance(value, str) for value in dict(fields[name]).values()):
            raise ValueError(f"{name} maps host names to status strings")
    for name in ("deploy_delay", "latency", "session_ttl", "question_delay", "collect_delay", "action_delay"):
        if name in fields and float(fields[name]) < 0:
            raise ValueError(f"{name} must not be negative")
