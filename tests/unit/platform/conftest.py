"""Fixtures of the platform room's unit tests."""

import pytest


class FakeClock:
    """time.monotonic and time.sleep in one: sleeping only moves the clock."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()
