"""The inferred deployment rules (docs/wire-format.md#deploy-and-deployment-status) and the wait loop, with a fake server and a fake clock."""

import contextlib
import datetime

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform.deployment import (
    DeploymentFailed,
    DeploymentTimeout,
    deployment_finished,
    status_record,
    wait_for_deployment,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import document_deployed
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import NotFoundError
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
)

REQUESTED_AT = datetime.datetime(2024, 5, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
EARLIER = "2024-05-02T08:00:00.000Z"
LATER = "2024-05-02T09:05:00.000Z"


def status(current, pending=None, modified=EARLIER):
    return {"createdAt": "2024-01-01T00:00:00.000Z", "modifiedAt": modified, "currentRevision": current,
            "currentSize": 2000, "pendingRevision": pending, "pendingSize": None if pending is None else 2100}


def deadline(client, seconds, clock):
    return TaskDeadline(client, seconds, clock=clock, sleeper=clock.sleep)


class ScriptedServer:
    """A client whose status reads return the scripted statuses in turn, then the last one forever.

    `tasks`: the deployment task's statuses in turn (then the last forever); none: reading it is a 404.
    """

    def __init__(self, *statuses, tasks=()):
        self.statuses = list(statuses)
        self.tasks = list(tasks)
        self.reads = []
        self.timeout = 30
        self.timeouts = []
        self.deadline = None

    def deploy_path(self, template, **values):
        return "/plugin/products/threat-response/api/v1/" + template.format(**values)

    @contextlib.contextmanager
    def within(self, deadline):
        self.deadline = deadline
        yield deadline

    def get(self, path):
        self.timeouts.append(self.deadline.request_timeout(self.timeout))
        if path.endswith("/tasks/7"):
            self.reads.append("task")
            if not self.tasks:
                raise NotFoundError("GET", path, 404, "Task 7 not found")
            return self.tasks.pop(0) if len(self.tasks) > 1 else self.tasks[0]
        assert path.endswith("/intel/status")
        self.reads.append("status")
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


# -- the completion rule ------------------------------------------------------------------------


def test_nothing_pending_before_finishes_when_the_revision_advances_and_nothing_is_pending():
    before = status(4)
    assert not deployment_finished(before, status(4), REQUESTED_AT)  # the server has not started yet
    assert not deployment_finished(before, status(4, pending=5), REQUESTED_AT)
    assert deployment_finished(before, status(5, modified=LATER), REQUESTED_AT)


def test_a_newer_modified_at_finishes_a_deployment_that_kept_the_revision():
    assert deployment_finished(status(4), status(4, modified=LATER), REQUESTED_AT)


def test_a_modified_at_ahead_of_the_controller_clock_but_unchanged_is_not_a_finish():
    # The server's clock runs ahead: its last deployment looks later than our request, but it is the old one.
    before = status(4, modified=LATER)
    assert not deployment_finished(before, status(4, modified=LATER), REQUESTED_AT)


def test_pending_from_an_earlier_deploy_waits_for_a_revision_past_that_one():
    before = status(4, pending=5)
    # The earlier deployment finishing (revision 5, newer modifiedAt) is not ours, even in a gap
    # where nothing is pending yet.
    assert not deployment_finished(before, status(5, modified=LATER), REQUESTED_AT)
    assert not deployment_finished(before, status(5, pending=6, modified=LATER), REQUESTED_AT)
    assert deployment_finished(before, status(6, modified=LATER), REQUESTED_AT)


def test_a_status_without_revisions_never_counts_as_finished_by_revision():
    before = {"pendingRevision": None}
    assert not deployment_finished(before, {"pendingRevision": None, "modifiedAt": None}, REQUESTED_AT)


# -- the wait loop ------------------------------------------------------------------------------


def test_wait_returns_the_first_finished_status_reading_every_sleep_seconds(clock):
    server = ScriptedServer(status(4, pending=5), status(4, pending=5), status(5, modified=LATER))
    final = wait_for_deployment(deadline(server, 60, clock), status(4), REQUESTED_AT, sleep=10)
    assert final["currentRevision"] == 5
    assert server.reads == ["status"] * 3 and clock.sleeps == [10, 10]


def test_a_status_that_never_advances_times_out_with_the_last_status_seen(clock):
    server = ScriptedServer(status(4, pending=5))
    with pytest.raises(DeploymentTimeout) as caught:
        wait_for_deployment(deadline(server, 25, clock), status(4), REQUESTED_AT, sleep=10)
    # Reads at 0, 10, 20 and a last one at the deadline (25), never sleeping past it.
    assert clock.sleeps == [10, 10, 5] and len(server.reads) == 4
    assert caught.value.last_status["pendingRevision"] == 5
    message = str(caught.value)
    assert "wait_timeout (25 seconds)" in message
    assert '"pending_revision": 5' in message and '"deployed": false' in message


def test_a_zero_timeout_reads_once_and_never_sleeps(clock):
    server = ScriptedServer(status(4, pending=5))
    with pytest.raises(DeploymentTimeout):
        wait_for_deployment(deadline(server, 0, clock), status(4), REQUESTED_AT, sleep=10)
    assert server.reads == ["status"] and clock.sleeps == []


# -- status records and per-document state ----------------------------------------------------


def test_status_record_is_snake_case_with_deployed_meaning_nothing_pending():
    assert status_record(status(4, pending=5))["deployed"] is False
    record = status_record(status(5))
    assert record["deployed"] is True
    assert {"created_at", "modified_at", "current_revision", "current_size", "pending_revision", "pending_size"} <= set(record)


@pytest.mark.parametrize(("deployed_at", "updated_at", "expected"), [
    ("2024-05-02T09:05:00.000Z", "2024-05-02T09:05:00.023Z", True),  # the deployment's own touch
    ("2024-05-02T09:05:00.000Z", "2024-05-02T09:30:00.000Z", False),  # edited after the deployment
    (None, "2024-05-02T09:30:00.000Z", False),  # never deployed
])
def test_document_deployed_compares_the_last_deployment_with_the_last_update(deployed_at, updated_at, expected):
    intel = {"lastDeploymentTimestamp": deployed_at, "updatedAt": updated_at}
    assert document_deployed(intel) is expected


def test_document_deployed_is_unknown_without_deployment_fields():
    assert document_deployed({"id": 3, "updatedAt": "2024-05-02T09:30:00.000Z"}) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-02T09:05:00.023Z", "2024-05-02T09:05:00.023Z"),
    ("2024-05-02T11:05:00+02:00", "2024-05-02T09:05:00.000Z"),
    ("2024-05-02T09:05:00.5Z", "2024-05-02T09:05:00.500Z"),  # Python 3.10 needs 3 or 6 digits
    ("2024-05-02T09:05:00", "2024-05-02T09:05:00.000Z"),  # no zone: UTC
    ("2024-05-02", "2024-05-02T00:00:00.000Z"),
])
def test_server_timestamps_parse_in_any_iso_form_and_format_as_the_server_writes_them(text, expected):
    assert format_timestamp(parse_timestamp(text)) == expected


@pytest.mark.parametrize("text", [None, "", "last tuesday", 1714640700])
def test_unparsable_timestamps_are_none(text):
    assert parse_timestamp(text) is None


def test_each_read_of_a_wait_gets_at_most_the_time_left(clock):
    server = ScriptedServer(status(4))
    with pytest.raises(DeploymentTimeout):
        wait_for_deployment(deadline(server, 25, clock), status(4), REQUESTED_AT, sleep=10)
    assert server.timeouts == [25, 15, 5, 1]  # the last read, at the deadline, still gets MIN_REQUEST_TIMEOUT
    assert server.timeout == 30


# -- the task rule (docs/wire-format.md#deployment-finished) ----------------------------------


def test_the_task_decides_before_the_status_and_the_wait_ends_on_completed(clock):
    # The status never shows a finish: only the task can end this wait.
    server = ScriptedServer(status(4, pending=5), tasks=[{"status": "STARTED"}, {"status": "COMPLETED"}])
    final = wait_for_deployment(deadline(server, 60, clock), status(4), REQUESTED_AT, sleep=10, task_id=7)
    assert final["pendingRevision"] == 5
    assert server.reads == ["task", "status", "task", "status"] and clock.sleeps == [10]


def test_an_unreadable_task_leaves_the_status_rule_to_decide_for_the_rest_of_the_wait(clock):
    server = ScriptedServer(status(4, pending=5), status(4, pending=5), status(5, modified=LATER))
    final = wait_for_deployment(deadline(server, 60, clock), status(4), REQUESTED_AT, sleep=10, task_id=7)
    assert final["currentRevision"] == 5
    assert server.reads == ["task", "status", "status", "status"]  # the task is tried once only


@pytest.mark.parametrize("failure", ["ERROR", "CANCELLED", "FAILED"])  # wire.TASK_FAILED, one definition
def test_a_task_that_fails_ends_the_wait_naming_the_task(failure, clock):
    server = ScriptedServer(status(4, pending=5), tasks=[{"status": "STARTED"}, {"status": failure, "error": "disk full"}])
    with pytest.raises(DeploymentFailed, match=f"deployment task 7 ended with status {failure}: disk full"):
        wait_for_deployment(deadline(server, 60, clock), status(4), REQUESTED_AT, sleep=10, task_id=7)


def test_a_timeout_names_the_task_and_its_last_status(clock):
    server = ScriptedServer(status(4, pending=5), tasks=[{"status": "STARTED"}])
    with pytest.raises(DeploymentTimeout) as caught:
        wait_for_deployment(deadline(server, 15, clock), status(4), REQUESTED_AT, sleep=10, task_id=7)
    message = str(caught.value)
    assert message.startswith("gave up after wait_timeout (15 seconds): the deployment (task 7) had not finished")
    assert "last task status: STARTED" in message and '"pending_revision": 5' in message


def test_a_slow_status_read_over_https_ends_the_wait_near_its_timeout(emulator, make_client):
    import time
    emulator.add_fault(method="GET", path="/intel/status", action="delay", delay=8, times=None)
    client = make_client(retries=0)
    started = time.monotonic()
    with pytest.raises(DeploymentTimeout, match=r"gave up after wait_timeout \(2 seconds\)"):
        wait_for_deployment(TaskDeadline(client, 2), status(4), REQUESTED_AT, sleep=1)
    assert time.monotonic() - started < 6  # a read of 8 s was cut at the 2 s left
