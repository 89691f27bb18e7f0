"""wait_timeout as one deadline for a whole task, and the one wait loop (_platform/waiting.py).

The loop's timing runs on a fake clock; what the deadline does to requests runs over HTTPS against the emulator.
"""

import contextlib
import time

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline, TimedOut, answered
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import WriteOutcomeUnknown

DEPLOY = "/plugin/products/threat-response/api/v1/intel/deploy"
STATUS = "/plugin/products/threat-response/api/v1/intel/status"


class NoRequests:
    """The loop's own timing needs no server: a client whose `within` only records the deadline."""

    def __init__(self):
        self.deadlines = []

    @contextlib.contextmanager
    def within(self, deadline):
        self.deadlines.append(deadline)
        yield deadline


def fake_task(seconds, clock):
    return TaskDeadline(NoRequests(), seconds, clock=clock, sleeper=clock.sleep)


# -- the wait loop ------------------------------------------------------------------------------


def test_poll_reads_every_sleep_seconds_until_finished_and_returns_that_value(clock):
    task = fake_task(60, clock)
    reads = iter([1, 2, 3, 4])
    assert task.poll("counting", lambda: next(reads), lambda value: value == 3, sleep=10) == 3
    assert clock.sleeps == [10, 10]
    assert task.client.deadlines == [task.deadline]  # every read ran within the task's deadline


def test_answered_polls_until_the_read_returns_something(clock):
    task = fake_task(60, clock)
    reads = iter([None, None, False, "task"])
    assert task.poll("waiting for the task", lambda: next(reads), answered, sleep=5) is False
    assert clock.sleeps == [5, 5]


def test_poll_reads_last_at_the_deadline_and_times_out_with_the_last_value(clock):
    task = fake_task(25, clock)
    seen = []
    with pytest.raises(TimedOut) as caught:
        task.poll("waiting for the answer", lambda: seen.append(clock.now) or len(seen), lambda value: False, sleep=10)
    assert seen == [0, 10, 20, 25] and clock.sleeps == [10, 10, 5]
    assert caught.value.last == 4
    assert str(caught.value) == "gave up after wait_timeout (25 seconds) while waiting for the answer"


def test_poll_keeps_spare_seconds_for_what_follows(clock):
    task = fake_task(10, clock)
    seen = []
    with pytest.raises(TimedOut):
        task.poll("waiting", lambda: seen.append(clock.now), lambda value: False, sleep=3, spare=3)
    assert seen == [0, 3, 6, 7]  # the last read 3 s before the deadline
    assert task.remaining() == 3


def test_a_step_after_the_deadline_is_not_started(clock):
    task = fake_task(5, clock)
    clock.now = 5
    started = []
    with pytest.raises(TimedOut, match=r"^gave up after wait_timeout \(5 seconds\) while reading the status$"):
        with task.step("reading the status"):
            started.append(True)
    assert started == []


def test_a_pause_past_the_deadline_is_refused_without_sleeping(clock):
    task = fake_task(5, clock)
    task.pause(2, "retrying")
    with pytest.raises(TimedOut, match="the next try would be 4 seconds later"):
        task.pause(4, "retrying")
    assert clock.sleeps == [2]


# -- the deadline on real requests (HTTPS, emulator) --------------------------------------------


def test_a_long_retry_after_within_a_step_ends_the_task_at_once_naming_wait_timeout(emulator, make_client):
    emulator.add_fault(method="POST", path="/intel/deploy$", status=429, retry_after=20, times=None)
    task = TaskDeadline(make_client(retries=5), 5)
    started = time.monotonic()
    with pytest.raises(TimedOut) as caught:
        with task.step("asking the server to deploy"):
            task.client.post(DEPLOY, json_body={})
    assert time.monotonic() - started < 3
    assert str(caught.value) == ("gave up after wait_timeout (5 seconds) while asking the server to deploy "
                                 f"(POST {DEPLOY} answered HTTP 429; the next try would be 20 seconds later)")
    assert [(e["method"], e["status"]) for e in emulator.journal] == [("POST", 429)]


def test_a_create_the_deadline_cut_short_names_wait_timeout_and_that_it_may_have_been_applied(emulator, make_client):
    emulator.add_fault(method="POST", path="/intel/deploy$", action="delay", delay=4, times=1)
    task = TaskDeadline(make_client(), 1)
    with pytest.raises(TimedOut) as caught:
        with task.step("asking the server to deploy"):
            task.client.post(DEPLOY, json_body={})
    message = str(caught.value)
    assert message.startswith("gave up after wait_timeout (1 seconds) while asking the server to deploy (POST ")
    assert "the server may have applied it" in message


def test_a_create_that_fails_with_time_left_keeps_its_own_error(emulator, make_client):
    emulator.add_fault(method="POST", path="/intel/deploy$", action="drop", times=1)
    task = TaskDeadline(make_client(), 60)
    with pytest.raises(WriteOutcomeUnknown):
        with task.step("asking the server to deploy"):
            task.client.post(DEPLOY, json_body={})


def test_a_clean_up_after_the_deadline_still_gets_its_request(emulator, make_client):
    task = TaskDeadline(make_client(), 0)
    with task.bounded("closing"):
        task.client.get(STATUS)
    assert [e["path"] for e in emulator.journal] == [STATUS]
