"""The response rules that need no server: request bodies, which statuses are final, timestamps."""

import datetime
import json

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    InvalidInput,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.package_actions import (
    endpoint_status,
    package_parameters,
    status_is_final,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.response_actions import (
    TaskEndedBadly,
    action_body,
    ended_task,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.snapshots import (
    created_at,
    snapshot_record,
)

LINUX = {"hostname": "lnx-web-01", "platform": "Linux"}


def test_a_quarantine_names_the_package_of_the_platform_and_nine_null_parameters():
    body = action_body("quarantine", LINUX, None, None)
    assert body["type"] == "quarantine" and body["computerName"] == "lnx-web-01"
    assert body["options"]["packageName"] == "Apply Linux IPTables Quarantine"
    assert body["options"]["packageParameters"] == [{"key": f"${n}", "value": None} for n in range(1, 10)]
    assert "expirationTime" not in body
    assert action_body("quarantine", LINUX, "My Quarantine", None)["options"]["packageName"] == "My Quarantine"


def test_a_gathered_snapshot_sends_empty_options_and_an_expiry_when_asked():
    body = action_body("gather_snapshot", LINUX, None, 60)
    assert body["options"] == {} and body["type"] == "gatherSnapshot"
    expires = datetime.datetime.fromisoformat(body["expirationTime"].replace("Z", "+00:00"))
    ahead = expires - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(seconds=55) < ahead <= datetime.timedelta(seconds=60)


@pytest.mark.parametrize("module_type, endpoint, package, message", [
    ("quarantine", {"hostname": "x", "platform": None}, None, "no quarantine package is known for the platform of x"),
    ("quarantine", {"hostname": "x", "platform": "Solaris"}, None, "(Solaris; known: linux, mac, windows)"),
    ("gather_snapshot", LINUX, "Apply Linux IPTables Quarantine", "only a quarantine takes a package"),
])
def test_bodies_that_cannot_be_sent(module_type, endpoint, package, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        action_body(module_type, endpoint, package, None)


@pytest.mark.parametrize("status, outcome", [("STARTED", None), ("QUEUED", None), ("SOMETHING NEW", None),
                                             ("COMPLETED", "task")])
def test_a_task_is_done_only_when_completed(status, outcome):
    task = {"id": 3, "status": status}
    assert ended_task(task, "x") == (task if outcome else None)


@pytest.mark.parametrize("status", ["ERROR", "INCOMPLETE", "EXPIRED", "CANCELLED", "FAILED"])
def test_a_task_that_ended_otherwise_is_a_failure_naming_it(status):
    with pytest.raises(TaskEndedBadly, match=f"the thing did not succeed: its task 3 ended {status}: boom"):
        ended_task({"id": 3, "status": status, "error": "boom"}, "the thing")


@pytest.mark.parametrize("text, status", [("12:Completed.", "Completed"), ("7:NotSucceeded.", "NotSucceeded"),
                                          (" 3:Running. ", "Running"), ("Verified", "Verified")])
def test_an_endpoints_status_is_read_from_its_cell(text, status):
    assert endpoint_status(text) == status


@pytest.mark.parametrize("status, plain, verified", [
    ("Completed", True, False), ("Verified", True, True), ("Failed", True, True), ("NotSucceeded", True, True),
    ("Expired", True, True), ("Stopped", True, True), ("PendingVerification", False, False),
    ("Running", False, False), ("Downloading", False, False), ("Copying", False, False), ("Waiting", False, False),
    ("SomethingNew", False, False),
])
def test_which_endpoint_statuses_are_final(status, plain, verified):
    assert status_is_final(status, verified=False) is plain
    assert status_is_final(status, verified=True) is verified


def test_package_parameters_follow_the_definition_in_order():
    package = {"name": "p", "parameter_definition": json.dumps({"parameters": [{"key": "$1"}, {"key": "$2"}]})}
    assert package_parameters(package, ["a", 2]) == [{"key": "$1", "value": "a"}, {"key": "$2", "value": "2"}]
    with pytest.raises(InvalidInput, match=r"takes 2 parameter\(s\) \(\$1, \$2\), 1 given"):
        package_parameters(package, ["a"])
    assert package_parameters({"name": "q", "parameter_definition": ""}, []) == []
    with pytest.raises(ApiError, match="not the expected JSON"):
        package_parameters({"name": "r", "parameter_definition": "{not json"}, [])


@pytest.mark.parametrize("created", ["1772360102120", 1772360102120, "2026-03-01T10:15:02.120Z"])
def test_snapshot_times_in_either_form(created):
    assert created_at({"created": created}) == datetime.datetime(2026, 3, 1, 10, 15, 2, 120000,
                                                                 tzinfo=datetime.timezone.utc)
    assert snapshot_record({"created": created, "connectionId": "c"}) == {
        "created": created, "connection_id": "c", "created_at": "2026-03-01T10:15:02.120Z"}


def test_an_unreadable_snapshot_time_is_none():
    assert created_at({"created": "yesterday"}) is None and created_at({}) is None
