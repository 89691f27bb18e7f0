"""EmulatorCore: everything except HTTP (state, sessions, faults, journal, deploys, state file)."""

from __future__ import annotations

import secrets

from . import guesses
from .alerts import checked_state, new_alert
from .clock import iso, iso_now, parse_iso
from .config import LIVE_FIELDS, EmulatorConfig, coerce_live_values
from .deployments import Deployer
from .faults import FaultBook
from .file_collection import Connections
from .fleet import Fleet
from .journal import Journal
from .persistence import StateFile
from .platform_actions import ActionBook
from .questions import QuestionBook
from .response_actions import ResponseBook
from .sessions import SessionBook
from .snapshots import SnapshotBook
from .sniff import DocumentRejected, looks_like_json, sniff_json, sniff_upload
from .state import Store
from .tasks import TaskRegistry


class EmulatorCore:
    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.fleet = Fleet.load(config.fleet)
        self.store = Store()
        self.state_file = StateFile(config.state_file, self.store) if config.state_file else None
        saved = (self.state_file.load() if self.state_file else None) or {}
        # Credentials survive restarts with the state file, so a demo's second run can reuse them.
        self.sessions = SessionBook(
            username=config.username,
            password=config.password or saved.get("password") or secrets.token_urlsafe(12),
            api_token=config.api_token or saved.get("api_token") or "token-" + secrets.token_hex(16),
            ttl=config.session_ttl)
        self.journal = Journal()
        self.faults = FaultBook()
        self.tasks = TaskRegistry(self.store)
        self.deployer = Deployer(self.store, self.tasks, self.fleet, lambda: self.config.deploy_delay)
        self.connections = Connections()
        self.questions = QuestionBook(self.fleet, lambda: self.config.question_delay)
        # Response actions, snapshots and platform actions live in memory only, like connections.
        self.response = ResponseBook()
        self.snapshots = SnapshotBook()
        self.platform_actions = ActionBook()

    def start(self) -> None:
        if self.state_file:
            self.state_file.start({"api_token": self.sessions.api_token,
                                   "password": self.sessions.password})
        self.deployer.resume()

    def stop(self) -> None:
        self.deployer.stop()
        self.tasks.stop()
        if self.state_file:
            self.state_file.stop()

    def configure(self, **fields) -> dict:
        unknown = set(fields) - LIVE_FIELDS
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} live; only {sorted(LIVE_FIELDS)}")
        for name, value in coerce_live_values(fields).items():
            setattr(self.config, name, value)
        self.sessions.ttl = float(self.config.session_ttl)
        return {name: getattr(self.config, name) for name in sorted(LIVE_FIELDS)}

    def seed_intel(self, content: bytes, filename: str, labels=(), description=None) -> dict:
        """Store a document as a POST would (typed by content), without the journal.

        `labels`: label ids or names (missing names are created); `description` overrides.
        """
        try:
            sniffed = sniff_json(content) if looks_like_json(content) else sniff_upload(content, filename)
        except DocumentRejected as error:
            raise ValueError(f"{filename}: {error}") from None
        source_id = guesses.SIGNAL_SOURCE_ID if sniffed.type == "tanium-signal" else guesses.UPLOAD_SOURCE_ID
        doc = self.store.add_intel(sniffed, source_id)
        with self.store.lock:
            if description is not None:
                doc.description = description
            for label in labels:
                self.store.attach_label(doc, self._label_id(label))
            rendered = doc.render("4")
        self.store.changed()
        return rendered

    def snapshot_wire(self) -> dict:
        """The whole state in 4.x wire form, for tests and /_emulator/state."""
        with self.store.lock:
            return {
                "intels": [doc.render("4") for doc in self.store.intels.values()],
                "labels": [self.store.render_label(label)
                           for label in sorted(self.store.labels.values(), key=lambda lb: lb.id)],
                "alerts": [alert.render("4") for alert in self.store.alerts.values()],
                "status": dict(self.store.deploy_status),
            }

    def _label_id(self, label) -> int:
        if isinstance(label, int):
            if label not in self.store.labels:
                raise ValueError(f"no label with id {label}")
            return label
        existing = self.store.label_named(label)
        return existing.id if existing else self.store.add_label(label, "").id

    def raise_alert(self, intel_doc_id: int, computer_name: str, alerted_at: str | None = None,
                    priority: str | None = None, severity: str | None = None, state: str | None = None,
                    ip: str | None = None) -> dict:
        """Raise one alert now, as a match on that endpoint would (its first file), without a deploy.

        `alerted_at` (ISO-8601) makes an endpoint that reports late (or whose clock runs ahead): the alert
        is stored and received now with that time. `priority` and `severity` override the defaults.
        `state` gives the alert a state other than unresolved; `ip` picks one of endpoints sharing a name.
        """
        endpoint = next((e for e in self.fleet.endpoints
                         if e["name"] == computer_name and ip in (None, e["ip"])), None)
        if endpoint is None or not endpoint["files"]:
            raise ValueError(f"no fleet endpoint {computer_name!r} with files")
        with self.store.lock:
            doc = self.store.intels.get(int(intel_doc_id))
            if doc is None:
                raise ValueError(f"no intel document with id {intel_doc_id}")
            alert = new_alert(self.store.new_id("alert"), doc, endpoint, endpoint["files"][0], iso_now())
            if alerted_at is not None:
                alert.alerted_at = iso(parse_iso(alerted_at).timestamp())
            alert.priority = priority or alert.priority
            alert.severity = severity or alert.severity
            self.store.add_alert(alert)
            if state is not None:
                self.store.set_alert_state(alert, checked_state(state))
            rendered = alert.render("4")
        self.store.changed()
        return rendered
