# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to send a request again, and how long to wait first: the one retry policy of the client."""

from __future__ import annotations

import email.utils
import random
import time

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import DeadlineExceeded

# Statuses that mean "not now": rate limited, or a proxy/gateway that could not reach the server.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Of those, the ones after which the server surely did not act on a create: 429 and 503 refuse the
# request before handling it. 502/504 come from a gateway that may have forwarded it, so a create
# that got one may exist on the server (the caller re-checks instead of posting blindly).
NOT_APPLIED_STATUSES = frozenset((429, 503))

BASE_DELAY = 0.5
MAX_DELAY = 30.0
# A server asking for a longer pause than this is treated as this: a playbook should fail, not hang
# (documented in docs/reliability.md).
MAX_RETRY_AFTER = 60.0
# A request made at (or just before) the end of a wait still gets this long to be answered.
MIN_REQUEST_TIMEOUT = 1.0


class RetryPolicy:
    """Exponential backoff with jitter that honours Retry-After, for at most `retries` retries."""

    def __init__(self, retries):
        self.retries = max(0, int(retries))
        self._rng = random.Random()

    def delay(self, attempt, retry_after=None):
        """Seconds to wait before retry number `attempt` (0-based)."""
        requested = parse_retry_after(retry_after)
        if requested is not None:
            return min(requested, MAX_RETRY_AFTER)
        ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** attempt))
        # "Equal jitter": never less than half the ceiling, so backoff still grows, but spread out so
        # parallel workers (intel_sync) do not retry in lockstep.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def wait(self, attempt, retry_after=None, deadline=None, reason=""):
        """Sleep before retry number `attempt`; with a `deadline`, raise DeadlineExceeded instead of
        sleeping (or retrying) past it."""
        pause = self.delay(attempt, retry_after)
        if deadline is not None:
            deadline.check_pause(pause, reason)
        time.sleep(pause)


class Deadline:
    """The moment a wait (`what`, `timeout` seconds long) gives up: requests made within it never
    sleep or retry past it, and each gets at most the time left (docs/reliability.md, "Bounded waits")."""

    def __init__(self, timeout, what, clock=time.monotonic):
        self.timeout = timeout
        self.what = what
        self._clock = clock
        self.at = clock() + timeout

    def remaining(self):
        return self.at - self._clock()

    def request_timeout(self, timeout):
        """The per-request timeout cut to the time left, but at least MIN_REQUEST_TIMEOUT: a last
        look at the deadline can still get an answer."""
        return max(MIN_REQUEST_TIMEOUT, min(timeout, self.remaining()))

    def check_pause(self, pause, reason=""):
        """DeadlineExceeded when a pause of `pause` seconds would end at or past the deadline."""
        if pause >= self.remaining():
            raise self.exceeded(f"{reason}; the next try would be {pause:.0f} seconds later" if reason else "")

    def exceeded(self, reason=""):
        return DeadlineExceeded(self.what, self.timeout, reason)


def parse_retry_after(value):
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
