"""The simulated endpoints and their files, and which of them a set of hashes matches."""

from __future__ import annotations

import json
import os
import re
import zlib

from .clock import parse_iso

DEFAULT_FLEET_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fleet.json")
_HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
_HEX = re.compile(r"[0-9a-f]+")
# The `status` values system_status gives a client (docs/wire-format.md#endpoints).
CLIENT_STATUSES = ("Leader", "Normal", "Blocked", "Slow link")


class Fleet:
    def __init__(self, endpoints: list[dict]):
        self.endpoints = [_checked_endpoint(e, index) for index, e in enumerate(endpoints)]
        # (kind, hash) -> [(endpoint, file), ...]: a deploy looks hashes up instead of scanning.
        self._holders: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
        for endpoint in self.endpoints:
            for file in endpoint["files"]:
                for kind in _HASH_LENGTHS:
                    if file.get(kind):
                        self._holders.setdefault((kind, file[kind]), []).append((endpoint, file))

    @classmethod
    def load(cls, source) -> Fleet:
        """`source`: None (the built-in fleet.json), a JSON file path, or a list of endpoint dicts."""
        if source is None or isinstance(source, (str, os.PathLike)):
            with open(source or DEFAULT_FLEET_FILE, encoding="utf-8") as handle:
                source = json.load(handle)
        if isinstance(source, dict):
            source = source.get("endpoints")
        if not isinstance(source, list):
            raise ValueError("a fleet is a list of endpoints (or {\"endpoints\": [...]})")
        return cls(source)

    def matches(self, hashes: dict) -> list[tuple[dict, dict]]:
        """(endpoint, first matching file) for each endpoint holding any of `hashes`, in fleet order."""
        first_file: dict[str, dict] = {}
        for kind, values in hashes.items():
            for value in values:
                for endpoint, file in self._holders.get((kind, value), ()):
                    first_file.setdefault(endpoint["name"], file)
        return [(e, first_file[e["name"]]) for e in self.endpoints if e["name"] in first_file]


def _checked_endpoint(endpoint: dict, index: int) -> dict:
    for key in ("name", "ip", "platform"):
        if not isinstance(endpoint.get(key), str) or not endpoint[key]:
            raise ValueError(f"fleet endpoint #{index} needs a string {key!r}")
    files = []
    for file in endpoint.get("files", []):
        if not isinstance(file.get("path"), str):
            raise ValueError(f"fleet endpoint {endpoint['name']}: every file needs a 'path'")
        if not isinstance(file.get("content", ""), str):
            raise ValueError(f"fleet file {file['path']}: 'content' must be a string")
        # The bytes a file collection returns: `content`, or a stable stand-in (hashes then differ).
        checked = {"path": file["path"], "content": file.get("content")}
        for kind, length in _HASH_LENGTHS.items():
            value = (file.get(kind) or "").lower()
            if value and (len(value) != length or not _HEX.fullmatch(value)):
                raise ValueError(f"fleet file {file['path']}: {kind} must be {length} hex digits")
            checked[kind] = value or None
        files.append(checked)
    return {"name": endpoint["name"], "ip": endpoint["ip"], "platform": endpoint["platform"],
            "files": files, **_platform_facts(endpoint)}


def _platform_facts(endpoint: dict) -> dict:
    """What the platform API shows of an endpoint: its client id, what its AV detected, sensors it
    answers with a special value (`answers`: sensor name -> value), and its system_status `status`
    and `last_registration` (ISO 8601; None: the emulator's fixed date)."""
    detections = endpoint.get("detections", [])
    for detection in detections:
        if not isinstance(detection.get("path"), str) or detection.get("status") not in ("unresolved", "resolved"):
            raise ValueError(f"fleet endpoint {endpoint['name']}: a detection needs a 'path' and a "
                             "'status' of unresolved or resolved")
    answers = endpoint.get("answers", {})
    if not all(isinstance(value, str) for value in answers.values()):
        raise ValueError(f"fleet endpoint {endpoint['name']}: every answer must be a string")
    status = endpoint.get("status", "Normal")
    if status not in CLIENT_STATUSES:
        raise ValueError(f"fleet endpoint {endpoint['name']}: status must be one of {CLIENT_STATUSES}")
    registered = endpoint.get("last_registration")
    if registered is not None:
        try:
            parse_iso(registered)
        except (AttributeError, ValueError):
            raise ValueError(f"fleet endpoint {endpoint['name']}: last_registration must be ISO 8601") from None
    # A stable id per name, as the platform gives each client one.
    client_id = endpoint.get("client_id") or zlib.crc32(endpoint["name"].encode())
    return {"client_id": int(client_id),
            "detections": [{"path": d["path"], "status": d["status"]} for d in detections],
            "answers": dict(answers), "status": status, "last_registration": registered}
