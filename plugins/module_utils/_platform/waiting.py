# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wait_timeout as one deadline for a whole task, and the one wait loop of the platform modules.

From its first request to its exit, every request, retry, `Retry-After` pause, poll and step of a
task that has wait_timeout runs within it (docs/reliability.md, "Bounded waits"): each request gets
at most the time left (at least 1 s, so a last look can still be answered), no pause is slept past
it, and no new step starts after it.
"""

from __future__ import annotations

import contextlib
import time

from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import Deadline
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    DeadlineExceeded,
    ThreatResponseError,
    WriteOutcomeUnknown,
)

SETTING = "wait_timeout"


class TimedOut(ThreatResponseError):
    """wait_timeout ran out while `doing`; `last` is the last value a poll read (None when none was)."""

    def __init__(self, seconds, doing, reason="", last=None):
        self.seconds = seconds
        self.doing = doing
        self.reason = reason
        self.last = last
        super().__init__(f"gave up after {SETTING} ({seconds} seconds) while {doing}"
                         + (f" ({reason})" if reason else ""))


def answered(value):
    """The `finished` of a poll whose read() returns None until what it waits for is there."""
    return value is not None


class TaskDeadline:
    """The deadline of one task, `seconds` after it was made; `client` is the task's client."""

    def __init__(self, client, seconds, clock=time.monotonic, sleeper=time.sleep):
        self.client = client
        self.seconds = seconds
        self.deadline = Deadline(seconds, SETTING, clock)
        self._sleep = sleeper

    def remaining(self):
        return self.deadline.remaining()

    @contextlib.contextmanager
    def step(self, doing):
        """One step of the task (`doing`: what it does, as in "while <doing>"): not started once the
        deadline has passed, and its requests stay within it."""
        if self.deadline.remaining() <= 0:
            raise TimedOut(self.seconds, doing)
        with self.bounded(doing):
            yield

    @contextlib.contextmanager
    def bounded(self, doing):
        """Requests within the deadline, also once it has passed (a clean-up still gets its last second)."""
        try:
            with self.client.within(self.deadline):
                yield
        except DeadlineExceeded as exceeded:
            raise TimedOut(self.seconds, doing, exceeded.reason) from None
        except WriteOutcomeUnknown as unknown:
            if self.deadline.remaining() > 0:
                raise
            # A create whose answer the deadline cut short: say so, and that it may have been applied.
            raise TimedOut(self.seconds, doing, str(unknown)) from None

    def pause(self, seconds, doing):
        """Sleep `seconds`, unless the pause would end at or past the deadline."""
        if seconds >= self.deadline.remaining():
            raise TimedOut(self.seconds, doing, f"the next try would be {seconds} seconds later")
        self._sleep(seconds)

    def poll(self, doing, read, finished, sleep, spare=0):
        """read() now and every `sleep` seconds until finished(value); returns that value.

        The last read is at the deadline less `spare` (seconds kept for what the task does next).
        When that passes first, TimedOut carries the last value read (None when none was answered).
        """
        last = None
        try:
            with self.client.within(self.deadline):
                while True:
                    last = read()
                    if finished(last):
                        return last
                    remaining = self.deadline.remaining() - spare
                    if remaining <= 0:
                        raise TimedOut(self.seconds, doing, last=last)
                    self._sleep(min(sleep, remaining))
        except DeadlineExceeded as exceeded:
            raise TimedOut(self.seconds, doing, exceeded.reason, last=last) from None
