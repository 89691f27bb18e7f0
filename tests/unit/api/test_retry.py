"""The retry policy: which pause before which retry, and how Retry-After (both forms) is read."""

import email.utils
import time

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import DeadlineExceeded
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import (
    MAX_RETRY_AFTER,
    MIN_REQUEST_TIMEOUT,
    NOT_APPLIED_STATUSES,
    RETRY_STATUSES,
    Deadline,
    RetryPolicy,
    parse_retry_after,
)


def http_date(seconds_from_now):
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize("value, expected", [
    (None, None),
    ("0", 0.0),
    ("7", 7.0),
    (" 12 ", 12.0),
    ("2.5", 2.5),
    ("-3", 0.0),              # never a negative pause
    ("soon", None),           # neither form: ignored, backoff applies
    ("", None),
])
def test_retry_after_seconds_form(value, expected):
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize("offset, low, high", [
    (30, 27, 30.5),
    (-600, 0, 0),             # a date in the past: retry now
])
def test_retry_after_http_date_form_is_seconds_until_that_date(offset, low, high):
    assert low <= parse_retry_after(http_date(offset)) <= high


def test_http_date_retry_after_sets_the_pause_instead_of_the_backoff():
    assert 27 <= RetryPolicy(3).delay(0, http_date(30)) <= 30.5


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_a_longer_retry_after_is_capped(form):
    retry_after = "100000" if form == "seconds" else http_date(100000)
    assert RetryPolicy(3).delay(0, retry_after) == MAX_RETRY_AFTER


@pytest.mark.parametrize("attempt, low, high", [
    (0, 0.25, 0.5),
    (1, 0.5, 1.0),
    (3, 2.0, 4.0),
    (20, 15.0, 30.0),         # the ceiling stops growing at MAX_DELAY
])
def test_backoff_grows_with_equal_jitter_within_its_ceiling(attempt, low, high):
    policy = RetryPolicy(3)
    delays = [policy.delay(attempt) for _sample in range(200)]
    assert all(low <= delay <= high for delay in delays)
    assert len(set(delays)) > 1  # jittered, so parallel workers do not retry in lockstep


@pytest.mark.parametrize("given, kept", [(5, 5), (0, 0), (-2, 0), ("3", 3)])
def test_retries_is_a_non_negative_count(given, kept):
    assert RetryPolicy(given).retries == kept


def test_statuses_retried_and_those_after_which_a_create_surely_did_not_happen():
    assert RETRY_STATUSES == {429, 502, 503, 504}
    assert NOT_APPLIED_STATUSES == {429, 503}
    assert NOT_APPLIED_STATUSES < RETRY_STATUSES


# -- deadlines (docs/reliability.md, "Bounded waits") --------------------------------------------


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def test_a_pause_that_would_end_past_the_deadline_is_refused_without_sleeping(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    clock = FakeClock()
    deadline = Deadline(5, "the deployment to finish", clock)
    with pytest.raises(DeadlineExceeded) as caught:
        RetryPolicy(5).wait(0, "100000", deadline, "GET /x answered HTTP 503")
    assert slept == []
    assert str(caught.value) == ("gave up after 5 seconds waiting for the deployment to finish (GET /x answered "
                                 "HTTP 503; the next try would be 60 seconds later)")


def test_a_pause_within_the_deadline_is_slept(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    deadline = Deadline(5, "a wait", FakeClock())
    RetryPolicy(5).wait(0, "2", deadline)
    assert slept == [2.0]


@pytest.mark.parametrize("elapsed, client_timeout, expected", [
    (0, 30, 5),        # cut to the time left
    (0, 3, 3),         # a shorter client timeout stays
    (4.5, 30, 1.0),    # never below MIN_REQUEST_TIMEOUT, so a last look can be answered
    (9, 30, 1.0),      # past the deadline: one last look, no retry (pauses are refused)
])
def test_the_request_timeout_is_cut_to_the_time_left(elapsed, client_timeout, expected):
    clock = FakeClock()
    deadline = Deadline(5, "a wait", clock)
    clock.now += elapsed
    assert deadline.request_timeout(client_timeout) == expected
    assert MIN_REQUEST_TIMEOUT == 1.0


def test_past_the_deadline_even_a_zero_pause_is_refused():
    clock = FakeClock()
    deadline = Deadline(5, "a wait", clock)
    clock.now += 5
    with pytest.raises(DeadlineExceeded, match="gave up after 5 seconds waiting for a wait"):
        deadline.check_pause(0.0)
