# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options for waiting: until a deployment has finished (DOCUMENTATION, intel_deploy), or while polling for
answers (POLL, e.g. question_info). Argspec: wait_argument_spec in plugins/module_utils/_module.py."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Whether to wait until the deployment this task started has finished.
      - Without waiting, the task returns as soon as the server has accepted the request; a deployment
        can take several minutes.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds the whole task may take, from its first request to its end, with or without O(wait)
        (the status read before, the deploy request and its retries, and each read of the wait). When they pass
        first, the task fails naming O(wait_timeout) (and, once the deployment started, with the last status
        it read).
      - An expired login session during a long wait is renewed, and transient server errors are retried,
        but no retry, pause (not even a long C(Retry-After)) or read runs past this timeout; a read at
        its very end still gets one second, so the task ends at most a few seconds after it.
    type: int
    default: 900
  wait_sleep:
    description:
      - Seconds between two reads of the deployment's task (and status) while waiting.
    type: int
    default: 10
notes:
  - "Inferred for deployments (no public source states it): the deployment has finished when the server task
    the deploy request started reads C(COMPLETED), and has failed when it reads C(ERROR), C(CANCELLED) or
    C(FAILED) (the task is named in the error)."
  - "When the server will not show that task (HTTP 403, 404 or 405, or no task id), the status decides
    instead, for the rest of the wait: no C(pending_revision) and a C(current_revision) past the newest one
    seen before the request (the pending one, if another deployment was still running), or, when nothing
    was pending before, a C(modified_at) later than both the request and the status seen before it."
"""

    # tanium.threat_response.wait.poll: modules that poll the server until something has arrived.
    # A module may override a default in its own DOCUMENTATION (and argspec).
    POLL = r"""
options:
  wait_timeout:
    description:
      - How many seconds the whole task may take, from its first request to its end, retries and
        C(Retry-After) pauses included. The per-request limit is O(timeout), cut to the time left (but at
        least one second).
      - An expired login session during a long wait is renewed, and transient server errors are retried,
        but no pause is slept past the end.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between two polls of the server while waiting.
    type: int
    default: 5
"""
