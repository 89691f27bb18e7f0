# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bringing one file from one endpoint to the controller through Threat Response (wire facts:
docs/wire-format.md#file-collection).

look up the endpoint -> evidence already held and in dest? done -> connect, wait for `connected`
-> request the file, wait for its fileDownload task -> find the new evidence by host and path ->
download its zip, verify the hashes of the file inside, write it 0600 -> close and delete the
connection, also when a step failed. Every step runs within wait_timeout (waiting.TaskDeadline);
where the zip goes is evidence_paths' job.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._platform import evidence_paths, evidence_zip
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.connections import (
    close_connection,
    connect,
    connection_ready,
    one_endpoint,
    quoted_cid,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline


class CollectError(ThreatResponseError):
    """The collection did not bring the file: the connection, the task or the archive failed."""


def collect(module):
    client, p = module.client, module.params
    evidence_paths.check_dest(p["dest"], p["endpoint_directory"])
    # wait_timeout bounds the whole task, from the endpoint lookup to the clean-up.
    task = TaskDeadline(client, p["wait_timeout"])
    with task.step(f"looking up endpoint {_named(p)}"):
        endpoint = one_endpoint(client, hostname=p["hostname"], client_id=p["client_id"], warn=module.warn)
    hostname = endpoint["hostname"]
    dest = evidence_paths.zip_path(p["dest"], p["path"], hostname if p["endpoint_directory"] else None)
    if p["endpoint_directory"] and os.path.basename(os.path.dirname(dest)) != hostname:
        module.warn(f"endpoint {hostname!r}: its host name is not a plain directory name; its evidence goes to "
                    f"{os.path.dirname(dest)!r}")
    base = dict(hostname=hostname, path=p["path"], dest=dest)
    with task.step(f"listing the evidence Threat Response holds for {hostname}"):
        held = evidence_for(client, hostname, p["path"])
    if held and not p["force"]:
        local = _local_summary(dest)
        if local and evidence_zip.matches(local, held[0].get("hash")):
            changed = bool(p["extract"]) and _extract_missing(module, dest)
            return dict(base, changed=changed, evidence_uuid=held[0]["uuid"], **_hashes(local))
    if module.check_mode:
        return dict(base, changed=True, evidence_uuid=None, md5=None, sha1=None, sha256=None, size=None)
    with task.step(f"opening a live connection to {hostname}"):
        cid = connect(client, endpoint)
    if p["endpoint_directory"]:
        evidence_paths.make_private_directory(os.path.dirname(dest), p["dest"])
    with evidence_zip.private_file(dest) as archive:  # becomes dest only once verified
        try:
            record = _fetch(task, p, endpoint, cid, {r["uuid"] for r in held}, archive)
        finally:
            if p["cleanup"]:
                # Also after the deadline: each request then gets its last second, and no retry.
                with task.bounded(f"closing connection {cid}"):
                    close_connection(client, cid, module.warn)
        local = _verified(archive, record)
        if p["extract"]:
            _extraction_targets(archive, dest)  # refused before the zip becomes dest
    if p["extract"]:
        _extract(dest)
    return dict(base, changed=True, evidence_uuid=record["uuid"], **_hashes(local))


def _fetch(task, p, endpoint, cid, known, archive):
    """The new evidence record, over the live connection `cid`; its zip is streamed into the file `archive`."""
    client, hostname = task.client, endpoint["hostname"]
    task.poll(f"waiting for connection {cid} to become connected", lambda: connection_ready(client, cid), bool,
              p["wait_sleep"])
    with task.step(f"asking {hostname} for the file"):
        answer = client.post(client.deploy_path(wire.CONN_FILE, cid=quoted_cid(cid)), json_body={"path": p["path"]})
    task_id = ((answer or {}).get("taskInfo") or {}).get("id") if isinstance(answer, dict) else None
    if task_id is None:
        raise CollectError(f"POST {wire.CONN_FILE}: the answer names no task: {answer!r}")
    task.poll(f"waiting for file download task {task_id}", lambda: _task_done(client, task_id, p["path"], hostname),
              bool, p["wait_sleep"])
    with task.step(f"listing the evidence task {task_id} made"):
        fresh = [r for r in evidence_for(client, hostname, p["path"]) if r["uuid"] not in known]
    if not fresh:
        raise CollectError(f"task {task_id} completed but Threat Response holds no new evidence for "
                           f"{hostname}: {p['path']}")
    with task.step(f"downloading evidence {fresh[0]['uuid']}"):
        client.download_to(client.deploy_path(wire.EVIDENCE_DATA, uuid=quote(fresh[0]["uuid"], safe="")), archive,
                           evidence_zip.MAX_ZIP_BYTES)
    return fresh[0]


def _named(p):
    return p["hostname"] or f"client_id {p['client_id']}"


def evidence_for(client, hostname, path):
    """File evidence Threat Response holds for that host and path, newest first."""
    listing = client.paginate(client.deploy_path(wire.EVIDENCE_LIST), items_key="fileEvidence")
    records = [r for r in listing if isinstance(r, dict) and r.get("uuid")]
    same = [r for r in records if str(r.get("hostname", "")).lower() == hostname.lower()
            and _same_path(str(r.get("path", "")), path)]
    return sorted(same, key=lambda r: str(r.get("downloaded") or ""), reverse=True)


def _same_path(left, right):
    # Windows paths (a drive letter or a backslash) compare without case.
    if re.match(r"^[A-Za-z]:[\\/]", right) or "\\" in right:
        return left.lower() == right.lower()
    return left == right


def _task_done(client, task_id, path, hostname):
    task = client.get(client.deploy_path(wire.TASK, task_id=task_id)) or {}
    results = task.get("results") or {}
    if results.get("failed") or task.get("status") in wire.TASK_FAILED:
        raise CollectError(f"Threat Response could not collect {path} from {hostname}: task {task_id} "
                           f"{task.get('status')}: {task.get('error') or results.get('failed')}")
    return task.get("status") == "COMPLETED"


def _verified(archive, record):
    try:
        local = evidence_zip.summary(archive)
    except evidence_zip.EvidenceArchiveError as error:
        raise CollectError(f"evidence {record['uuid']}: {error}") from None
    if record.get("hash") and not evidence_zip.matches(local, record["hash"]):
        raise CollectError(f"evidence {record['uuid']}: the file in the zip does not have the hash Threat Response "
                           f"recorded ({record['hash']}); nothing written")
    size = record.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size != local["size"]:
        raise CollectError(f"evidence {record['uuid']}: the file in the zip has {local['size']} bytes, Threat Response "
                           f"recorded {size}; nothing written")
    return local


def _local_summary(dest):
    if not os.path.isfile(dest):
        return None
    try:
        return evidence_zip.summary(dest)
    except evidence_zip.EvidenceArchiveError:
        return None


def _extract_missing(module, dest):
    """Extract the zip already in dest when its file is not beside it yet; True when that is a change."""
    if all(os.path.exists(target) for target in _extraction_targets(dest, dest)):
        return False
    if not module.check_mode:
        _extract(dest)
    return True


def _extraction_targets(archive, dest):
    try:
        return evidence_zip.extraction_targets(archive, os.path.dirname(os.path.abspath(dest)), dest)
    except evidence_zip.EvidenceArchiveError as error:
        raise CollectError(f"{dest}: {error}") from None


def _extract(dest):
    try:
        evidence_zip.extract(dest, os.path.dirname(os.path.abspath(dest)))
    except evidence_zip.EvidenceArchiveError as error:
        raise CollectError(f"{dest}: {error}") from None


def _hashes(local):
    return {key: local[key] for key in ("md5", "sha1", "sha256", "size")}
