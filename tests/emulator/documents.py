"""Intel document and label records, and how each API family renders them (docs/wire-format.md#intel-documents)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import uuid

from . import guesses
from .sniff import Sniffed, signal_compiled


@dataclasses.dataclass
class IntelDoc:
    id: int
    type: str
    type_version: str
    name: str
    description: str
    intrinsic_id: str | None
    contents: bytes
    md5: str
    source_id: int
    created_at: str
    updated_at: str
    hashes: dict = dataclasses.field(default_factory=dict)
    signal: dict | None = None
    compiled: dict | None = None
    revision_id: int = 1
    label_ids: list = dataclasses.field(default_factory=list)
    alert_count: int = 0
    unresolved_alert_count: int = 0
    first_deployment: str | None = None
    last_deployment: str | None = None
    blob_id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def create(cls, doc_id: int, sniffed: Sniffed, source_id: int, now: str) -> IntelDoc:
        doc = cls(id=doc_id, type=sniffed.type, type_version=sniffed.type_version, name="",
                  description="", intrinsic_id=None, contents=b"", md5="", source_id=source_id,
                  created_at=now, updated_at=now)
        doc.store(sniffed, now)
        return doc

    def update(self, sniffed: Sniffed, now: str) -> None:
        """A new revision in place (the caller decided the intrinsic id still matches)."""
        self.store(sniffed, now)
        self.revision_id += 1

    def store(self, sniffed: Sniffed, now: str) -> None:
        self.type, self.type_version = sniffed.type, sniffed.type_version
        self.name, self.description = sniffed.name, sniffed.description
        self.intrinsic_id = sniffed.intrinsic_id
        self.contents = sniffed.contents
        self.md5 = hashlib.md5(sniffed.contents).hexdigest()  # once per stored revision
        self.hashes = sniffed.hashes
        self.signal = sniffed.signal
        self.compiled = signal_compiled(sniffed.signal) if sniffed.signal else None
        self.updated_at = now

    @property
    def size(self) -> int:
        return len(self.contents)

    @property
    def is_signal(self) -> bool:
        return self.type == "tanium-signal"

    def render(self, family: str) -> dict:
        """The wire object: family "4" (threat-response) or "3" (detect3, docs/wire-format.md#base-url-api-families-and-envelope strings)."""
        mitre = self.signal.get("mitreAttack") if self.signal else None
        platforms = self.signal.get("platforms") if self.signal else None
        wire = {
            "id": self.id, "revisionId": self.revision_id, "type": self.type,
            "typeVersion": self.type_version, "isSchemaValid": True,
            "intrinsicId": self.intrinsic_id, "md5": self.md5, "name": self.name,
            "description": self.description, "size": self.size,
            "alertCount": self.alert_count, "unresolvedAlertCount": self.unresolved_alert_count,
            "compiled": _as_family(self.compiled, family),
            "labelIds": list(self.label_ids), "sourceId": self.source_id,
            "mitreAttack": _as_family(mitre, family), "platforms": platforms,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        }
        if self.is_signal:
            wire["contents"] = self.contents.decode("utf-8")
            wire["suppressionRules"] = []
        if family == "4":
            wire.update({
                "blobId": self.blob_id, "customHash": None, "throttledFindingCount": 0,
                "allowAutoDisable": True, "disabled": False, "disabledEndpointCount": 0,
                "firstDeploymentTimestamp": self.first_deployment,
                "lastDeploymentTimestamp": self.last_deployment,
                "status": guesses.INTEL_STATUS_4X,
            })
        return wire

    def to_state(self) -> dict:
        state = dataclasses.asdict(self)
        state["contents"] = base64.b64encode(self.contents).decode("ascii")
        return state

    @classmethod
    def from_state(cls, state: dict) -> IntelDoc:
        fields = dict(state)
        fields["contents"] = base64.b64decode(fields["contents"])
        return cls(**fields)


@dataclasses.dataclass
class Label:
    id: int
    name: str
    description: str
    created_at: str
    updated_at: str

    def render(self, indicator_count: int, signal_count: int) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description,
                "indicatorCount": indicator_count, "signalCount": signal_count,
                "createdAt": self.created_at, "updatedAt": self.updated_at}


def _as_family(value, family: str):
    # docs/wire-format.md#base-url-api-families-and-envelope: detect3 (3.x) sends compiled/mitreAttack as JSON strings, 4.x as objects.
    if value is None or family == "4":
        return value
    return json.dumps(value, separators=(",", ":"))
