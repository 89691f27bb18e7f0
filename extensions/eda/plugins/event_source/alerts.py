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
  - Bad arguments (no url, no credentials, an unknown argument) end the rulebook at start, with the
    argument named.
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
  interval:
    description: Seconds between polls.
    type: int
    default: 30
  state:
    description: Only alerts in one of these states.
    type: list
    elements: str
  intel_name:
    description: Only alerts raised by the documents with exactly this name.
    type: str
  since:
    description:
      - Only alerts raised at or after this ISO 8601 moment, such as V(2024-05-01T12:00:00Z).
      - Default is when the source starts, so alerts raised before then are not events.
    type: str
  lookback:
    description:
      - Seconds the listing reaches back behind the newest alert seen, for alerts that endpoints report
        late (their C(alertedAt) is older than alerts already listed). Seen alerts are never emitted again.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Respond to Tanium Threat Response alerts
  hosts: localhost
  sources:
    - tanium.threat_response.alerts:
        interval: 30
        state: [unresolved]
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
    source = _load_collection()
    args = dict(args)
    args.pop("eda_feedback_queue", None)  # passed by ansible-rulebook to sources that take feedback
    try:
        feed, interval = source.alert_feed_from(args, warn=LOGGER.warning)
    except source.InvalidInput as error:
        raise ValueError(f"{SOURCE}: {error}") from None
    LOGGER.info("%s: polling %s every %s s for alerts since %s", SOURCE, feed.client.base_url, interval,
                source.format_timestamp(feed.cursor))
    failures = 0
    while True:
        try:
            alerts = await asyncio.to_thread(feed.poll)
        except Exception as error:  # noqa: BLE001 - a long-running source outlives any one bad poll
            delay = source.backoff(failures)
            failures += 1
            LOGGER.warning("%s: poll failed (%s: %s); polling again in %.1f s", SOURCE, type(error).__name__,
                           feed.client.scrub(error), delay)
            await asyncio.sleep(delay)
            continue
        if failures:
            LOGGER.warning("%s: polling works again after %d failed polls", SOURCE, failures)
            failures = 0
        for alert in alerts:
            await queue.put({"tanium_alert": alert})
        await asyncio.sleep(interval)
