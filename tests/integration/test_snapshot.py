"""snapshot and snapshot_info through ansible-playbook against the emulator: a snapshot is taken over a live
connection, listed and deleted; the connection is always closed and deleted."""

import time

import pytest

TR = "/plugin/products/threat-response/api/v1"
HOST = "WIN-HR-03"
CID = "remote:WIN-HR-03:1:"
DAY = 86400

pytestmark = pytest.mark.emulator(collect_delay=0.3)


def snapshot(**options):
    return {"name": "snap", "tanium.threat_response.snapshot": dict({"wait_sleep": 1}, **options)}


def info(**options):
    return {"name": "info", "tanium.threat_response.snapshot_info": options}


def tr_calls(emulator):
    """(method, path under {T}) of the Threat Response requests, repeated polls shown once."""
    out = []
    for entry in emulator.journal:
        if entry["path"].startswith(TR):
            call = (entry["method"], entry["path"][len(TR):])
            out += [call] if not out or out[-1] != call else []
    return out


def open_connections(emulator):
    return emulator.core.connections.listing(0)


def seed(emulator, host, days_ago, connection_id=None):
    return emulator.core.snapshots.add(host, None, connection_id, created=time.time() - days_ago * DAY)


def test_a_snapshot_is_taken_listed_and_deleted_and_the_connection_cleaned_up(emulator, run_playbook):
    run = run_playbook([snapshot(hostname=HOST), info(hostname=HOST.lower())])
    assert run.rc == 0, run.output
    taken = run.task("snap")["snapshot"]
    assert run.task("snap")["changed"] is True
    assert taken["hostname"] == HOST and taken["connection_id"] == CID and taken["created_at"].endswith("Z")
    assert [s["uuid"] for s in run.task("info")["snapshots"]] == [taken["uuid"]]
    assert open_connections(emulator) == []
    assert tr_calls(emulator) == [
        ("GET", "/snapshot"), ("POST", "/conns/connect"), ("GET", "/conns"),
        ("POST", f"/conns/{CID}/snapshot"), ("GET", "/tasks/1"), ("GET", "/snapshot"),
        ("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}"), ("GET", "/snapshot")]

    emulator.clear_journal()
    gone = run_playbook([snapshot(uuid=taken["uuid"], state="absent"), info()])
    assert gone.rc == 0, gone.output
    assert gone.task("snap")["changed"] is True and [s["uuid"] for s in gone.task("snap")["deleted"]] == [taken["uuid"]]
    assert gone.task("info")["snapshots"] == []
    assert [(e["method"], e["path"]) for e in emulator.writes()] == [("DELETE", f"{TR}/snapshot")]
    again = run_playbook([snapshot(uuid=taken["uuid"], state="absent")])
    assert again.task("snap")["changed"] is False and again.task("snap")["deleted"] == []


def test_present_is_idempotent_and_max_age_and_force_take_another(emulator, run_playbook):
    # Taken over a connection with the id the next one gets: connection ids can repeat (host, client id, eid).
    old = seed(emulator, HOST, days_ago=2, connection_id=CID)
    kept = run_playbook([snapshot(hostname=HOST)])
    assert kept.rc == 0, kept.output
    assert kept.task("snap")["changed"] is False and kept.task("snap")["snapshot"]["uuid"] == old["uuid"]
    assert emulator.writes() == []  # no connection
    fresh = run_playbook([snapshot(hostname=HOST, max_age=DAY)])
    assert fresh.task("snap")["changed"] is True and fresh.task("snap")["snapshot"]["uuid"] != old["uuid"]
    assert run_playbook([snapshot(hostname=HOST, max_age=DAY)]).task("snap")["changed"] is False
    forced = run_playbook([snapshot(hostname=HOST, force=True)])
    assert forced.task("snap")["changed"] is True
    assert len(emulator.core.snapshots.visible(emulator.core)) == 3 and open_connections(emulator) == []


def test_delete_by_filter_then_nothing_left_to_delete(emulator, run_playbook):
    old = seed(emulator, HOST, days_ago=40)
    seed(emulator, HOST, days_ago=1)
    seed(emulator, "WIN-FIN-01", days_ago=40)
    listed = run_playbook([info(hostname=HOST, older_than=30 * DAY)])
    assert [s["uuid"] for s in listed.task("info")["snapshots"]] == [old["uuid"]]
    checked = run_playbook([snapshot(hostname=HOST, older_than=30 * DAY, state="absent")], check=True)
    assert checked.task("snap")["changed"] is True and [s["uuid"] for s in checked.task("snap")["deleted"]] == [old["uuid"]]
    assert emulator.writes() == []
    run = run_playbook([snapshot(hostname=HOST, older_than=30 * DAY, state="absent")])
    assert run.rc == 0 and [s["uuid"] for s in run.task("snap")["deleted"]] == [old["uuid"]]
    assert sorted(s["hostname"] for s in emulator.core.snapshots.visible(emulator.core)) == ["WIN-FIN-01", HOST]
    again = run_playbook([snapshot(hostname=HOST, older_than=30 * DAY, state="absent")])
    assert again.task("snap")["changed"] is False


def test_a_failed_snapshot_fails_clearly_and_still_closes(emulator, run_playbook):
    emulator.configure(response_outcomes={HOST: "ERROR"})
    run = run_playbook([snapshot(hostname=HOST)])
    assert run.rc != 0
    assert "the snapshot of WIN-HR-03 did not succeed: its task 1 ended ERROR" in run.task("snap")["msg"]
    assert tr_calls(emulator)[-2:] == [("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}")]
    assert open_connections(emulator) == []


@pytest.mark.emulator(collect_delay=30)
def test_wait_timeout_bounds_the_snapshot_and_the_connection_is_still_deleted(emulator, run_playbook):
    # The clean-up runs after the deadline too: each of its requests gets its last second (waiting.TaskDeadline).
    run = run_playbook([snapshot(hostname=HOST, wait_timeout=2)])
    assert run.rc != 0
    assert run.task("snap")["msg"] == (f"gave up after wait_timeout (2 seconds) while waiting for connection {CID} "
                                       "to become connected")
    assert tr_calls(emulator)[-2:] == [("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}")]
    assert open_connections(emulator) == [] and "could not close" not in run.output


def test_cleanup_false_leaves_the_connection(emulator, run_playbook):
    run = run_playbook([snapshot(hostname=HOST, cleanup=False)])
    assert run.rc == 0, run.output
    assert [c["id"] for c in open_connections(emulator)] == [CID]


@pytest.mark.parametrize("task, message", [
    (snapshot(state="absent"), "state=absent deletes the snapshots that uuid"),
    (snapshot(), "state=present needs hostname or client_id"),
    (snapshot(hostname=HOST, older_than=1), "older_than: only with state=absent"),
    (snapshot(hostname=HOST, max_age=1, state="absent"), "max_age: only with state=present"),
])
def test_options_that_do_not_fit_fail_before_any_request(emulator, run_playbook, task, message):
    run = run_playbook([task])
    assert run.rc != 0 and message in run.task("snap")["msg"]
    assert emulator.journal == []
