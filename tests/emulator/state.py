"""The Threat Response data model: intel, labels, sources, alerts, deploy status and tasks.

One re-entrant lock guards everything; every method takes it. Callers that read several things
that must agree take `store.lock` around them. Nobody sleeps while holding it.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Callable

from . import guesses
from .alerts import Alert
from .clock import iso_now
from .documents import IntelDoc, Label
from .sniff import Sniffed


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.intels: dict[int, IntelDoc] = {}  # insertion order == id order (ids are monotonic)
        self.labels: dict[int, Label] = {}
        self.label_members: dict[int, set[int]] = {}  # label id -> intel ids
        self.signal_ids: set[int] = set()  # so a label's counts cost its signals, not its members
        self.sources: dict[int, dict] = {}
        self.alerts: dict[int, Alert] = {}
        self.alerted: set[tuple[str, int]] = set()  # (endpoint, intel id) pairs already alerted
        self.tasks: dict[int, dict] = {}
        self.evidence: dict[str, dict] = {}  # collected files by uuid (file_collection.py)
        now = iso_now()
        self.deploy_status = {"createdAt": now, "modifiedAt": now, "currentRevision": 0,
                              "currentSize": 0, "pendingRevision": None, "pendingSize": None}
        self.next_ids = {"intel": 1, "label": 1, "alert": 1, "task": 1, "source": 1}
        for source in guesses.SEED_SOURCES:
            self.sources[source["id"]] = dict(source, createdAt=now, updatedAt=now)
        for seed in guesses.SEED_LABELS:
            self.labels[seed["id"]] = Label(seed["id"], seed["name"], seed["description"], now, now)
            self.label_members[seed["id"]] = set()
        self._bump_ids()
        self._listeners: list[Callable[[], None]] = []

    # --- change notification (the state file listens) ---
    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in self._listeners:
            listener()

    def new_id(self, kind: str) -> int:
        with self.lock:
            value = self.next_ids[kind]
            self.next_ids[kind] = value + 1
            return value

    # --- intel ---
    def add_intel(self, sniffed: Sniffed, source_id: int) -> IntelDoc:
        with self.lock:
            doc = IntelDoc.create(self.new_id("intel"), sniffed, source_id, iso_now())
            self.intels[doc.id] = doc
            self._note_kind(doc)
        self.changed()
        return doc

    def update_intel(self, doc: IntelDoc, sniffed: Sniffed) -> None:
        with self.lock:
            doc.update(sniffed, iso_now())
            self._note_kind(doc)
        self.changed()

    def delete_intels(self, ids: list[int]) -> list[int]:
        with self.lock:
            deleted = [i for i in dict.fromkeys(ids) if i in self.intels]
            for doc_id in deleted:
                self.signal_ids.discard(doc_id)
                for label_id in self.intels.pop(doc_id).label_ids:
                    self.label_members.get(label_id, set()).discard(doc_id)
        if deleted:
            self.changed()
        return deleted

    def _note_kind(self, doc: IntelDoc) -> None:
        if doc.is_signal:
            self.signal_ids.add(doc.id)
        else:
            self.signal_ids.discard(doc.id)

    def total_size(self) -> int:
        with self.lock:
            return sum(doc.size for doc in self.intels.values())

    # --- labels ---
    def render_label(self, label: Label) -> dict:
        with self.lock:
            # Members are live documents: deleting a document removes it from its labels.
            members = self.label_members.get(label.id, set())
            signals = len(self.signal_ids & members)
            return label.render(indicator_count=len(members) - signals, signal_count=signals)

    def label_named(self, name: str, other_than: int | None = None) -> Label | None:
        with self.lock:
            return next((label for label in self.labels.values()
                         if label.name.lower() == name.lower() and label.id != other_than), None)

    def add_label(self, name: str, description: str) -> Label:
        with self.lock:
            now = iso_now()
            label = Label(self.new_id("label"), name, description, now, now)
            self.labels[label.id] = label
            self.label_members[label.id] = set()
        self.changed()
        return label

    def update_label(self, label: Label, name: str | None, description: str | None) -> None:
        with self.lock:
            label.name = label.name if name is None else name
            label.description = label.description if description is None else description
            label.updated_at = iso_now()
        self.changed()

    def delete_label(self, label_id: int) -> None:
        with self.lock:
            del self.labels[label_id]
            for doc_id in self.label_members.pop(label_id, set()):
                if doc_id in self.intels:
                    self.intels[doc_id].label_ids.remove(label_id)
        self.changed()

    def attach_label(self, doc: IntelDoc, label_id: int) -> None:
        with self.lock:
            if label_id not in doc.label_ids:
                doc.label_ids.append(label_id)
                doc.label_ids.sort()
                self.label_members[label_id].add(doc.id)
        self.changed()

    def detach_label(self, doc: IntelDoc, label_id: int) -> None:
        with self.lock:
            if label_id in doc.label_ids:
                doc.label_ids.remove(label_id)
                self.label_members[label_id].discard(doc.id)
        self.changed()

    # --- alerts ---
    def add_alert(self, alert: Alert) -> None:
        """Caller holds the lock (the deployer adds a batch at once)."""
        self.alerts[alert.id] = alert
        self.alerted.add((alert.computer_name, alert.intel_doc_id))
        self._count_alert(alert, +1)

    def set_alert_state(self, alert: Alert, state: str) -> None:
        with self.lock:
            self._count_alert(alert, -1)
            alert.state = state
            alert.updated_at = iso_now()
            if state == "suppressed":
                alert.suppressed_at = alert.updated_at
            self._count_alert(alert, +1)
        self.changed()

    def delete_alert(self, alert_id: int) -> None:
        with self.lock:
            self._count_alert(self.alerts.pop(alert_id), -1)
        self.changed()

    def _count_alert(self, alert: Alert, delta: int) -> None:
        doc = self.intels.get(alert.intel_doc_id)
        if doc is not None:
            doc.alert_count += delta
            if alert.state == "unresolved":
                doc.unresolved_alert_count += delta

    # --- persistence ---
    def snapshot(self) -> dict:
        """Copies of everything, taken under the lock; cheap (contents bytes are shared)."""
        with self.lock:
            return {
                "intels": [dataclasses.replace(doc, label_ids=list(doc.label_ids))
                           for doc in self.intels.values()],
                "labels": [dataclasses.asdict(label) for label in self.labels.values()],
                "label_members": {str(k): sorted(v) for k, v in self.label_members.items()},
                "sources": list(self.sources.values()),
                "alerts": [dataclasses.asdict(alert) for alert in self.alerts.values()],
                "alerted": sorted(self.alerted, key=lambda pair: (pair[1], pair[0])),
                "tasks": [dict(task) for task in self.tasks.values()],
                "evidence": [dict(record) for record in self.evidence.values()],
                "deploy_status": dict(self.deploy_status),
                "next_ids": dict(self.next_ids),
            }

    def restore(self, saved: dict) -> None:
        with self.lock:
            self.intels = {d["id"]: IntelDoc.from_state(d) for d in saved["intels"]}
            self.signal_ids = {doc.id for doc in self.intels.values() if doc.is_signal}
            self.labels = {d["id"]: Label(**d) for d in saved["labels"]}
            self.label_members = {int(k): set(v) for k, v in saved["label_members"].items()}
            self.sources = {s["id"]: s for s in saved["sources"]}
            self.alerts = {a["id"]: Alert(**a) for a in saved["alerts"]}
            self.alerted = set(map(tuple, saved["alerted"]))
            self.tasks = {t["id"]: t for t in saved["tasks"]}
            self.evidence = {e["uuid"]: e for e in saved.get("evidence", [])}
            self.deploy_status = saved["deploy_status"]
            self.next_ids.update(saved["next_ids"])
            self._bump_ids()

    def _bump_ids(self) -> None:
        for kind, table in (("intel", self.intels), ("label", self.labels), ("alert", self.alerts),
                            ("task", self.tasks), ("source", self.sources)):
            if table:
                self.next_ids[kind] = max(self.next_ids[kind], max(table) + 1)
