# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling the server until something is so, within the one deadline that bounds a whole task
(its `wait_timeout`; docs/reliability.md, "Bounded waits")."""

from __future__ import annotations

import time


def poll(check, deadline, sleep, step, sleeper=time.sleep):
    """check() every `sleep` seconds until it returns something other than None, and return that.

    Run it inside `client.within(deadline)`, so no request, retry or pause runs past the deadline.
    When the deadline comes first, DeadlineExceeded names the wait and `step`, what it still waited for.
    """
    while True:
        outcome = check()
        if outcome is not None:
            return outcome
        remaining = deadline.remaining()
        if remaining <= 0:
            raise deadline.exceeded(f"still waiting for {step}")
        sleeper(min(sleep, remaining))
