"""map_parallel: results in order, at most `parallel` at once, the first failure (in item order) raised."""

import threading
import time

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import map_parallel


def test_results_keep_the_order_of_the_items():
    assert map_parallel(lambda number: number * 2, list(range(1000)), 4) == [number * 2 for number in range(1000)]


@pytest.mark.parametrize("parallel", [0, 1])
def test_one_at_a_time_runs_in_the_calling_thread(parallel):
    seen = map_parallel(lambda _item: threading.get_ident(), [1, 2, 3], parallel)
    assert seen == [threading.get_ident()] * 3


def test_never_more_than_parallel_at_once():
    lock, running, most = threading.Lock(), [0], [0]

    def work(_item):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.002)
        with lock:
            running[0] -= 1

    map_parallel(work, list(range(60)), 3)
    assert most[0] == 3


def test_the_first_failing_item_in_order_is_raised_and_no_new_item_starts():
    started = []

    def work(number):
        started.append(number)
        if number in (5, 7):
            time.sleep(0.01 if number == 5 else 0)
            raise ValueError(number)
        time.sleep(0.001)

    with pytest.raises(ValueError) as raised:
        map_parallel(work, list(range(200)), 4)
    assert raised.value.args == (5,)
    assert len(started) < 200
