"""Reading a question's answers over HTTPS against the emulator: paging, the same-page guard, max_rows, the deadline."""

import json
import time

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform import questions
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline, TimedOut
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError

ALL = "Get Computer Name from all machines"  # one row per endpoint of the fleet: 9


def asked(client):
    return questions.ask(client, questions.parse(client, ALL), 600)


def result_data(emulator):
    return [e for e in emulator.journal if e["path"].startswith("/api/v2/result_data/question/")]


@pytest.mark.emulator(question_delay=0, result_page_max=2)
def test_every_row_is_read_page_by_page(emulator, make_client):
    client = make_client()
    columns, rows, row_count = questions.read_answers(TaskDeadline(client, 60), asked(client), 1, max_rows=100)
    assert columns == ["Computer Name"] and row_count == 9
    assert len({row["id"] for row in rows}) == len(rows) == 9
    assert len(result_data(emulator)) == 5


@pytest.mark.emulator(question_delay=0, result_page_max=2, row_start_ignored=True)
def test_a_server_that_ignores_row_start_is_asked_twice_not_until_the_total(emulator, make_client):
    client = make_client()
    question_id = asked(client)
    with pytest.raises(ApiError, match="answered the same rows again for row_start 2 .*max_rows 500 or less"):
        questions.read_answers(TaskDeadline(client, 60), question_id, 1, max_rows=100000)
    assert len(result_data(emulator)) == 2


@pytest.mark.emulator(question_delay=0, result_page_max=2)
def test_max_rows_bounds_what_is_read_and_asked_for(emulator, make_client):
    client = make_client()
    columns, rows, row_count = questions.read_answers(TaskDeadline(client, 60), asked(client), 1, max_rows=3)
    assert len(rows) == 3 and row_count == 9
    # Each page asks only for the rows still missing: 3 (the server answers 2), then 1.
    asked_for = [json.loads(entry["tanium_options"])["row_count"] for entry in result_data(emulator)]
    assert asked_for == [3, 1]


@pytest.mark.emulator(question_delay=0)
def test_reading_the_rows_stays_within_wait_timeout(emulator, make_client):
    client = make_client(retries=5)
    question_id = asked(client)
    emulator.add_fault(method="GET", path="^/api/v2/result_data/question/", action="delay", delay=6, times=None)
    started = time.monotonic()
    with pytest.raises(TimedOut, match=rf"^gave up after wait_timeout \(2 seconds\) while reading the answers to "
                                       rf"question {question_id} \(0 rows read\) \(no response from "):
        questions.read_answers(TaskDeadline(client, 2), question_id, 1, max_rows=100)
    assert time.monotonic() - started < 4


@pytest.mark.emulator(question_delay=0)
def test_a_404_retry_pause_past_the_deadline_is_not_slept(emulator, make_client):
    client = make_client()
    question_id = asked(client)
    emulator.add_fault(method="GET", path="^/api/v2/result_data/question/", status=404, times=1)
    started = time.monotonic()
    with pytest.raises(TimedOut, match="the next try would be 30 seconds later"):
        questions.read_answers(TaskDeadline(client, 5), question_id, 30, max_rows=100)
    assert time.monotonic() - started < 2 and len(result_data(emulator)) == 1


@pytest.mark.emulator(question_delay=60)
def test_the_answer_wait_keeps_wait_sleep_seconds_to_read_the_rows(emulator, make_client):
    client = make_client()
    question_id = asked(client)
    task = TaskDeadline(client, 3)
    info, complete = questions.wait_for_answers(task, question_id, 99, sleep=1)
    assert complete is False and info["mr_tested"] < 9
    assert 0.5 < task.remaining() <= 1.0  # the last poll came a wait_sleep before the end
    columns, _rows, _count = questions.read_answers(task, question_id, 1, max_rows=100)  # in the time kept
    assert columns == ["Computer Name"]


@pytest.mark.emulator(question_delay=60)
def test_a_wait_cut_short_by_a_long_retry_after_returns_the_last_progress_read(emulator, make_client):
    client = make_client(retries=5)
    question_id = asked(client)
    emulator.add_fault(method="GET", path="/result_info/question/", action="delay", delay=0, times=1)
    emulator.add_fault(method="GET", path="/result_info/question/", status=503, retry_after=100000, times=None)
    started = time.monotonic()
    info, complete = questions.wait_for_answers(TaskDeadline(client, 30), question_id, 99, sleep=1)
    assert complete is False and info["id"] == question_id
    assert time.monotonic() - started < 5  # the 60 s pause the server asked for was never slept
