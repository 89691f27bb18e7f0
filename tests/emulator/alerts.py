"""Alert records (docs/wire-format.md#alerts): creation from a fleet match, rendering, filtering, sorting."""

from __future__ import annotations

import dataclasses
import json
import uuid

from . import guesses
from .clock import parse_iso
from .wire import Request, bad_request


@dataclasses.dataclass
class Alert:
    id: int
    intel_doc_id: int
    intel_doc_revision_id: int
    computer_name: str
    computer_ip: str
    path: str
    details: str  # a JSON string, as on the wire
    alerted_at: str
    created_at: str
    updated_at: str
    state: str = "unresolved"
    guid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    finding_id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    suppressed_at: str | None = None
    priority: str = guesses.ALERT_PRIORITY
    severity: str = guesses.ALERT_SEVERITY

    def render(self, family: str) -> dict:
        wire = {
            "id": self.id, "state": self.state, "type": guesses.ALERT_TYPE, "guid": self.guid,
            "priority": self.priority, "severity": self.severity,
            "intelDocId": self.intel_doc_id, "intelDocRevisionId": self.intel_doc_revision_id,
            "scanConfigId": None, "scanConfigRevisionId": None,
            "computerName": self.computer_name, "computerIpAddress": self.computer_ip,
            "eid": None, "details": self.details, "alertedAt": self.alerted_at,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        }
        if family == "4":
            wire.update({
                "groupingId": None, "matchType": "file", "path": self.path,
                "receivedAt": self.created_at, "suppressedAt": self.suppressed_at,
                "findingId": self.finding_id, "ackedAt": None,
                "firstEIDResolutionAttempt": None, "lastEIDResolutionAttempt": None,
            })
        return wire


def new_alert(alert_id: int, doc, endpoint: dict, file: dict, now: str) -> Alert:
    file_info = {"md5": file["md5"], "sha1": file["sha1"], "sha256": file["sha256"],
                 "fullpath": file["path"]}
    finding = {
        "id": str(uuid.uuid4()),
        "intel_id": f"{doc.id}:{doc.revision_id}:{doc.blob_id}",
        "whats": [{"intel_intrinsic_id": doc.intrinsic_id, "source_name": doc.name,
                   "artifact_activity": {"acting_artifact": {"file": file_info}}}],
        "system_info": {"hostname": endpoint["name"], "ip": endpoint["ip"],
                        "platform": endpoint["platform"]},
        "first_seen": now, "last_seen": now,
    }
    details = {
        "match": {"type": "file", "source": "index", "hash": file["md5"],
                  "properties": {"fullpath": file["path"], "md5": file["md5"], "file": file_info}},
        "intel_id": doc.id, "config_id": 1, "config_rev_id": 1, "finding": finding,
    }
    return Alert(id=alert_id, intel_doc_id=doc.id, intel_doc_revision_id=doc.revision_id,
                 computer_name=endpoint["name"], computer_ip=endpoint["ip"], path=file["path"],
                 details=json.dumps(details), alerted_at=now, created_at=now, updated_at=now)


def checked_state(value) -> str:
    if value not in guesses.ALERT_STATES:
        raise bad_request(f"state must be one of {list(guesses.ALERT_STATES)}, not {value!r}")
    return value


def select_alerts(alerts, request: Request, label_doc_ids=None) -> list[Alert]:
    """Apply the list filters of docs/wire-format.md#alerts and the sort; `label_doc_ids` for labelName."""
    # A parameter given several times matches any of its values.
    exact = {"intelDocId": "intel_doc_id", "computerName": "computer_name",
             "computerIpAddress": "computer_ip", "priority": "priority", "severity": "severity"}
    wanted = {attr: set(request.query[name]) for name, attr in exact.items() if name in request.query}
    states = set(request.query.get("state", []))
    for state in states:
        checked_state(state)
    if request.first("type") not in (None, guesses.ALERT_TYPE):
        return []
    since, until = _time_bound(request, "alertedAtFrom"), _time_bound(request, "alertedAtUntil")
    selected = []
    for alert in alerts:
        if any(str(getattr(alert, attr)) not in values for attr, values in wanted.items()):
            continue
        if states and alert.state not in states:
            continue
        if label_doc_ids is not None and alert.intel_doc_id not in label_doc_ids:
            continue
        moment = parse_iso(alert.alerted_at)
        if (since and moment < since) or (until and moment > until):
            continue
        selected.append(alert)
    return _sorted(selected, request.first("sort", guesses.DEFAULT_ALERT_SORT))


_SORT_KEYS = {"id": "id", "createdAt": "created_at", "updatedAt": "updated_at",
              "alertedAt": "alerted_at", "intelDocId": "intel_doc_id", "state": "state",
              "computerName": "computer_name"}


def _sorted(alerts: list[Alert], sort: str) -> list[Alert]:
    descending = sort.startswith("-")
    attr = _SORT_KEYS.get(sort.lstrip("-+"))
    if attr is None:
        raise bad_request(f"cannot sort by {sort!r}; use one of {sorted(_SORT_KEYS)}")
    return sorted(alerts, key=lambda alert: (getattr(alert, attr), alert.id), reverse=descending)


def _time_bound(request: Request, name: str):
    raw = request.first(name)
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise bad_request(f"{name} must be an ISO-8601 timestamp, not {raw!r}") from None
