# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Threat Response snapshots: take one over a live connection, list them, delete them
(wire facts: docs/wire-format.md#snapshots).

take: look up the endpoint -> a snapshot already there (and young enough)? done -> connect, wait for
`connected` -> POST conns/{cid}/snapshot, wait for its task -> the new snapshot in the list -> close and
delete the connection, also when a step failed.
"""

from __future__ import annotations

import datetime

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
    utc_now,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.connections import (
    close_connection,
    connect,
    connection_ready,
    one_endpoint,
    quoted_cid,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.response_actions import ended_task
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline, answered


def created_at(snapshot):
    """When the snapshot was taken, as an aware UTC datetime, or None.

    Servers write `created` as epoch milliseconds (a string, in one client's test data) or as ISO 8601
    (in another's example): both are read (docs/wire-format.md#snapshots).
    """
    value = snapshot.get("created")
    if isinstance(value, (int, float)) and not isinstance(value, bool) or isinstance(value, str) and value.isdigit():
        return datetime.datetime.fromtimestamp(int(value) / 1000, datetime.timezone.utc)
    return parse_timestamp(value)


def snapshot_record(snapshot):
    """The snapshot as modules return it: snake_case keys, plus `created_at` in ISO 8601."""
    moment = created_at(snapshot)
    return dict(to_record(snapshot), created_at=format_timestamp(moment) if moment else None)


def list_snapshots(client, hostname=None, older_than=None, now=None):
    """Every snapshot (all pages), of `hostname` (no case) and taken more than `older_than` seconds
    before `now` (the controller's clock) when given; oldest first."""
    now = now or utc_now()
    listing = client.paginate(client.deploy_path(wire.SNAPSHOTS), items_key=wire.SNAPSHOT_ITEMS)
    found = [s for s in listing if isinstance(s, dict) and s.get("uuid")]
    if hostname is not None:
        found = [s for s in found if str(s.get("hostname", "")).lower() == hostname.lower()]
    if older_than is not None:
        cutoff = now - datetime.timedelta(seconds=older_than)
        found = [s for s in found if created_at(s) is not None and created_at(s) < cutoff]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return sorted(found, key=lambda s: created_at(s) or epoch)


def delete_snapshots(client, uuids):
    # The ids go in a JSON body, as one public client sends them (another form-encodes the same body).
    client.request("DELETE", client.deploy_path(wire.SNAPSHOTS), json_body={"ids": list(uuids)})


def ensure_present(module):
    client, p = module.client, module.params
    # wait_timeout bounds the whole task, from the endpoint lookup to the clean-up.
    task = TaskDeadline(client, p["wait_timeout"])
    with task.step(f"looking up endpoint {p['hostname'] or p['client_id']} and its snapshots"):
        endpoint = one_endpoint(client, hostname=p["hostname"], client_id=p["client_id"], warn=module.warn)
        held = list_snapshots(client, hostname=endpoint["hostname"])
    counted = held
    if p["max_age"] is not None:
        cutoff = utc_now() - datetime.timedelta(seconds=p["max_age"])
        counted = [s for s in held if created_at(s) is not None and created_at(s) >= cutoff]
    if counted and not p["force"]:
        return dict(changed=False, snapshot=snapshot_record(counted[-1]), deleted=[])
    if module.check_mode:
        return dict(changed=True, snapshot=None, deleted=[])
    snapshot = take(task, endpoint, {s["uuid"] for s in held}, p["wait_sleep"], p["cleanup"], module.warn)
    return dict(changed=True, snapshot=snapshot_record(snapshot), deleted=[])


def take(task, endpoint, known, sleep, cleanup, warn):
    """A new snapshot of `endpoint` (one whose uuid is not in `known`) over a live connection, within the
    task's deadline (a waiting.TaskDeadline)."""
    client = task.client
    host = endpoint["hostname"]
    cid = None
    try:
        with task.step(f"opening a live connection to {host}"):
            cid = connect(client, endpoint)
        task.poll(f"waiting for connection {cid} to become connected", lambda: connection_ready(client, cid), bool,
                  sleep)
        with task.step(f"asking {host} for a snapshot"):
            answer = client.post(client.deploy_path(wire.CONN_SNAPSHOT, cid=quoted_cid(cid)))
        task_id = ((answer or {}).get("taskInfo") or {}).get("id") if isinstance(answer, dict) else None
        if task_id is None:
            raise ThreatResponseError(f"POST {wire.CONN_SNAPSHOT}: the answer names no task: {answer!r}")
        task.poll(f"waiting for snapshot task {task_id}",
                  lambda: ended_task(client.get(client.deploy_path(wire.TASK, task_id=task_id)) or {},
                                     f"the snapshot of {host}"), answered, sleep)
        with task.step(f"listing the snapshots of {host}"):
            fresh = [s for s in list_snapshots(client, hostname=host) if s["uuid"] not in known]
    finally:
        if cid is not None and cleanup:
            # Also after the deadline: each request then gets its last second, and no retry.
            with task.bounded(f"closing connection {cid}"):
                close_connection(client, cid, warn)
    if not fresh:
        raise ThreatResponseError(f"snapshot task {task_id} completed but Threat Response lists no new snapshot of {host}")
    # Several new ones (another run at the same time): the one taken over this connection.
    return next((s for s in fresh if s.get("connectionId") == cid), fresh[-1])


def ensure_absent(module):
    client, p = module.client, module.params
    if p["uuid"] is None and p["hostname"] is None and p["client_id"] is None and p["older_than"] is None:
        raise InvalidInput("state=absent deletes the snapshots that uuid, or hostname (or client_id) and older_than, "
                           "choose: give at least one of them")
    hostname = p["hostname"]
    if p["client_id"] is not None:
        hostname = one_endpoint(client, client_id=p["client_id"], warn=module.warn)["hostname"]
    doomed = [s for s in list_snapshots(client, hostname=hostname, older_than=p["older_than"])
              if p["uuid"] is None or s["uuid"] == p["uuid"]]
    if doomed and not module.check_mode:
        delete_snapshots(client, [s["uuid"] for s in doomed])
    return dict(changed=bool(doomed), snapshot=None, deleted=[snapshot_record(s) for s in doomed])
