# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tanium.threat_response.alerts: every new Tanium Threat Response alert as an event, once."""

from __future__ import annotations

DOCUMENTATION = r"""
---
short_description: Each new Tanium Threat Response alert as an event
description:
  - >-
    Polls the Threat Response alert list and puts each alert it has not seen before on the queue,
    once, as C({"tanium_alert": {...}}). The alert has the keys M(tanium.threat_response.alert_info) returns
    (snake_case, C(details) decoded).
  - Reads every page of each listing. Server faults, timeouts, dropped connections and expired login
    sessions are logged and answered with backoff (up to 30 seconds); they never end the rulebook.
  - Bad arguments (no url, no credentials, an unknown argument, a checkpoint file that cannot be read or
    written) end the rulebook at start, with the argument or file named and no secret shown.
  - With O(checkpoint), a restart resumes where the last event left off. See the collection's
    C(docs/event-driven.md) for what each way of running it guarantees.
  - Runs the collection's own HTTP client, so the collection must be installed (ansible-galaxy collection
    install) where ansible-rulebook runs, with ansible-core and the collection's requirements.txt (requests)
    beside it.
options:
  url:
    description: Root URL of the Tanium server. Default from E(TANIUM_URL).
    type: str
    required: true
  api_token:
    description: API token, sent in the C(session) header. Default from E(TANIUM_API_TOKEN).
    type: str
  username:
    description: User to log in as when there is no token. Default from E(TANIUM_USERNAME).
    type: str
  password:
    description: Password of O(username). Default from E(TANIUM_PASSWORD).
    type: str
  validate_certs:
    description: Whether to verify the server's TLS certificate. Default from E(TANIUM_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description: PEM file of a private CA. Default from E(TANIUM_CA_PATH).
    type: path
  timeout:
    description: Seconds per HTTP request. Default from E(TANIUM_TIMEOUT).
    type: int
    default: 30
  api_version:
    description: V("4") (threat-response paths) or V("3") (detect3). Default from E(TANIUM_TR_API_VERSION).
    type: str
    default: "4"
    choices: ["3", "4"]
  allow_http:
    description: Allow an C(http://) O(url), for a lab server only. Default from E(TANIUM_ALLOW_HTTP).
    type: bool
    default: false
  interval:
    description: Seconds between polls.
    type: int
    default: 30
  state:
    description: Only alerts in one of these states, filtered by the server.
    type: list
    elements: str
    choices: [unresolved, inprogress, resolved, suppressed, dismissed, ignored]
  priority:
    description: Only alerts with one of these priorities, such as V(high), filtered by the server.
    type: list
    elements: str
  severity:
    description: Only alerts with one of these severities, such as V(info), filtered by the server.
    type: list
    elements: str
  label:
    description:
      - Only alerts of the documents that carry the label with this name, filtered by the server.
    type: str
  intel_name:
    description: Only alerts raised by the documents with exactly this name.
    type: str
  since:
    description:
      - Only alerts raised at or after this ISO 8601 moment, such as V(2024-05-01T12:00:00Z).
      - Default is when the source starts. Alerts the server holds at the first poll and dates before
        O(since) are not events; an alert that reaches the server after that is, even dated up to
        O(lookback) seconds earlier (a late report, or a server clock behind this host's).
      - Ignored when O(checkpoint) names a file that exists.
    type: str
  lookback:
    description:
      - Seconds the listing reaches back behind the newest alert seen, for alerts that endpoints report
        late (their C(alertedAt) is older than alerts already listed). Seen alerts are never emitted again.
      - The listing never starts later than the server's clock (the newest time it says it received an
        alert) minus O(lookback), so an alert dated in the future does not hide the ones after it.
    type: int
    default: 600
  checkpoint:
    description:
      - File where the source keeps its place (its cursor and the alerts it saw inside the look-back
        window), written atomically after each event. Started again with the same file, it emits every
        alert raised while it was stopped, once, and none it emitted before.
      - Created when missing; its directory must exist and be writable. A file that is not a checkpoint
        of this source for this O(url) ends the rulebook at start, naming the file.
      - In an Event-Driven Ansible controller activation, put it on a persistent volume.
    type: path
"""

EXAMPLES = r"""
- name: Respond to Tanium Threat Response alerts, each once across restarts
  hosts: localhost
  sources:
    - tanium.threat_response.alerts:
        interval: 30
        state: [unresolved]
        priority: [high]
        checkpoint: /var/lib/eda/tanium-alerts.checkpoint
  rules:
    - name: Take each new alert in hand
      condition: event.tanium_alert is defined
      action:
        run_module:
          name: tanium.threat_response.alert
          module_args:
            id: "{{ event.tanium_alert.id }}"
            state: inprogress
"""

import asyncio
import logging
import os
import sys

LOGGER = logging.getLogger("tanium.threat_response.alerts")
SOURCE = "tanium.threat_response.alerts"


def _load_collection():
    """The collection's code for this source, from the collection this file was installed with.

    ansible-rulebook runs this file with runpy, outside Ansible's collection loader, so the directory
    that holds `ansible_collections/` goes on sys.path: `ansible_collections` then imports as an
    ordinary namespace package, and the source shares the modules' client and alert records.
    """
    # <root>/ansible_collections/<namespace>/<name>/extensions/eda/plugins/event_source/alerts.py;
    # abspath, not realpath: a symlinked collection keeps the layout it was installed with.
    parts = os.path.abspath(__file__).split(os.sep)
    if len(parts) > 8 and parts[-8] == "ansible_collections":
        root = os.sep.join(parts[:-8]) or os.sep
        if root not in sys.path:
            sys.path.insert(0, root)
    try:
        from ansible_collections.tanium.threat_response.plugins.module_utils._alerts import source as alert_source
    except ImportError as error:
        raise RuntimeError(f"{SOURCE} needs the tanium.threat_response collection installed (ansible-galaxy "
                           f"collection install), with ansible-core beside it: {error}") from None
    return alert_source


async def main(queue, args):
    """Poll forever; put each new alert on `queue` once as {"tanium_alert": alert}."""
    engine = _load_collection()
    args = dict(args)
    args.pop("eda_feedback_queue", None)  # passed by ansible-rulebook to sources that take feedback
    try:
        source = engine.alert_source_from(args, warn=LOGGER.warning)
    except engine.InvalidInput as error:
        raise ValueError(f"{SOURCE}: {error}") from None
    LOGGER.info("%s: %s", SOURCE, source.describe())
    failures = 0
    while True:
        try:
            alerts = await asyncio.to_thread(source.poll)
        except Exception as error:  # noqa: BLE001 - a long-running source outlives any one bad poll
            delay = engine.backoff(failures)
            failures += 1
            LOGGER.warning("%s: poll failed (%s: %s); polling again in %.1f s", SOURCE, type(error).__name__,
                           source.client.scrub(error), delay)
            await asyncio.sleep(delay)
            continue
        if failures:
            LOGGER.warning("%s: polling works again after %d failed polls", SOURCE, failures)
            failures = 0
        try:
            for alert in alerts:
                await queue.put({"tanium_alert": alert})
                # After the put, with no await in between: a cancelled source stops before both or after
                # both; a stop signal in between repeats this alert at the next start, never loses it.
                source.emitted(alert)
            source.settle()
        except engine.InvalidInput as error:  # the checkpoint cannot be written: stop rather than lose the place
            raise RuntimeError(f"{SOURCE}: {error}") from None
        await asyncio.sleep(source.interval)
