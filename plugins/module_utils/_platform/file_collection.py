# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bringing one file from one endpoint to the controller through Threat Response (wire facts:
docs/wire-format.md#file-collection).

look up the endpoint -> evidence already held and in dest? done -> connect, wait for `connected`
-> request the file, wait for its fileDownload task -> find the new evidence by host and path ->
download its zip, verify the hashes of the file inside, write it 0600 -> close and delete the
connection, also when a step failed.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import quote

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._platform import evidence_zip
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    InvalidInput,
    ThreatResponseError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.endpoints import find_endpoints


class CollectError(ThreatResponseError):
    """The collection did not bring the file: the connection, the task or the archive failed."""


def collect(module):
    client, p = module.client, module.params
    endpoint = _endpoint(client, p, module.warn)
    dest = zip_path(p["dest"], p["path"])
    base = dict(hostname=endpoint["hostname"], path=p["path"], dest=dest)
    held = evidence_for(client, endpoint["hostname"], p["path"])
    if held and not p["force"]:
        local = _local_summary(dest)
        if local and evidence_zip.matches(local, held[0].get("hash")):
            changed = bool(p["extract"]) and _extract_missing(module, dest, local["name"])
            return dict(base, changed=changed, evidence_uuid=held[0]["uuid"], **_hashes(local))
    if module.check_mode:
        return dict(base, changed=True, evidence_uuid=None, md5=None, sha1=None, sha256=None, size=None)
    deadline = time.monotonic() + p["wait_timeout"]
    cid = client.post(client.deploy_path(wire.CONN_CONNECT), json_body={"target": {
        "hostname": endpoint["hostname"], "clientId": endpoint["client_id"], "ip": endpoint["ip"],
        "platform": endpoint["platform"]}})
    if not isinstance(cid, str) or not cid:
        raise CollectError(f"POST {wire.CONN_CONNECT}: the answer is not a connection id: {cid!r}")
    with evidence_zip.private_file(dest) as archive:  # becomes dest only once verified
        try:
            record = _fetch(client, p, endpoint, cid, {r["uuid"] for r in held}, deadline, archive)
        finally:
            if p["cleanup"]:
                _close(client, cid, module.warn)
        local = _verified(archive, record)
    if p["extract"]:
        _extract(dest)
    return dict(base, changed=True, evidence_uuid=record["uuid"], **_hashes(local))


def _fetch(client, p, endpoint, cid, known, deadline, archive):
    """The new evidence record, over the live connection `cid`; its zip is streamed into the file `archive`."""
    _wait(lambda: _connection_ready(client, cid), deadline, p["wait_sleep"], f"connection {cid} to become connected")
    answer = client.post(client.deploy_path(wire.CONN_FILE, cid=_quoted(cid)), json_body={"path": p["path"]})
    task_id = ((answer or {}).get("taskInfo") or {}).get("id") if isinstance(answer, dict) else None
    if task_id is None:
        raise CollectError(f"POST {wire.CONN_FILE}: the answer names no task: {answer!r}")
    _wait(lambda: _task_done(client, task_id, p["path"], endpoint["hostname"]), deadline, p["wait_sleep"],
          f"file download task {task_id}")
    fresh = [r for r in evidence_for(client, endpoint["hostname"], p["path"]) if r["uuid"] not in known]
    if not fresh:
        raise CollectError(f"task {task_id} completed but Threat Response holds no new evidence for "
                           f"{endpoint['hostname']}: {p['path']}")
    client.download_to(client.deploy_path(wire.EVIDENCE_DATA, uuid=quote(fresh[0]["uuid"], safe="")), archive,
                       evidence_zip.MAX_ZIP_BYTES)
    return fresh[0]


def _endpoint(client, p, warn):
    found = find_endpoints(client, hostname=p["hostname"], client_id=p["client_id"], warn=warn)
    named = p["hostname"] or f"client_id {p['client_id']}"
    if len(found) != 1:
        raise InvalidInput(f"the platform knows {len(found)} endpoints matching {named}; file_collect needs exactly one")
    return found[0]


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


def zip_path(dest, path):
    """Where the zip goes: `dest` itself, or `<dest>/<file name on the endpoint>.zip` for a directory."""
    if not (os.path.isdir(dest) or dest.endswith(("/", os.sep))):
        if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
            raise InvalidInput(f"dest: the directory of {dest!r} does not exist")
        return dest
    if not os.path.isdir(dest):
        raise InvalidInput(f"dest: directory {dest!r} does not exist")
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    # The endpoint's name is only ever a file name here: never a path of its own.
    name = name if name not in ("", ".", "..") else "evidence"
    return os.path.join(dest, name + ".zip")


def _connection_ready(client, cid):
    for conn in client.get(client.deploy_path(wire.CONNS)) or []:
        if isinstance(conn, dict) and conn.get("id") == cid:
            if conn.get("status") in wire.CONN_FAILED:
                raise CollectError(f"connection {cid} is {conn['status']}: {conn.get('message') or 'no message'}")
            return conn.get("status") == wire.CONN_CONNECTED
    raise CollectError(f"connection {cid} is not in GET {wire.CONNS}")


def _task_done(client, task_id, path, hostname):
    task = client.get(client.deploy_path(wire.TASK, task_id=task_id)) or {}
    results = task.get("results") or {}
    if results.get("failed") or task.get("status") in wire.TASK_FAILED:
        raise CollectError(f"Threat Response could not collect {path} from {hostname}: task {task_id} "
                           f"{task.get('status')}: {task.get('error') or results.get('failed')}")
    return task.get("status") == "COMPLETED"


def _wait(ready, deadline, sleep, what):
    while not ready():
        if time.monotonic() + sleep > deadline:
            raise CollectError(f"gave up waiting for {what}: wait_timeout reached")
        time.sleep(sleep)


def _close(client, cid, warn):
    for template in (wire.CONN_CLOSE, wire.CONN_DELETE):
        try:
            client.delete(client.deploy_path(template, cid=_quoted(cid)))
        except ThreatResponseError as error:
            warn(f"could not {template.split('/')[1]} connection {cid}: {error}")


def _quoted(cid):
    # Connection ids look like "remote:HOST:123:"; colons are valid in a path segment.
    return quote(cid, safe=":")


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


def _extract_missing(module, dest, name):
    """Extract the zip already in dest when its file is not beside it yet; True when that is a change."""
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(dest)), name)):
        return False
    if not module.check_mode:
        _extract(dest)
    return True


def _extract(dest):
    try:
        evidence_zip.extract(dest, os.path.dirname(os.path.abspath(dest)))
    except evidence_zip.EvidenceArchiveError as error:
        raise CollectError(f"{dest}: {error}") from None


def _hashes(local):
    return {key: local[key] for key in ("md5", "sha1", "sha256", "size")}
