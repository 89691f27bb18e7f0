# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one question the alert code asks about intel: which documents have this exact name."""

from __future__ import annotations

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire


def document_ids_named(client, name):
    """Server ids of the documents named exactly `name` (case-sensitive), reading every page.

    The server's `name` filter may match substrings (docs/wire-format.md#intel-documents), so it only
    narrows the listing: alerts for "APT1" must not take the documents of "APT18".
    """
    listing = client.paginate(client.api_path(wire.INTELS), {"name": name})
    return [intel["id"] for intel in listing if intel.get("name") == name]
