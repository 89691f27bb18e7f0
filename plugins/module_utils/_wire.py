# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where things are on the Threat Response server: the wire facts the rest of the collection uses.

Facts marked INFERRED in ../../docs (and in the reference the collection was built from) are guesses
no public source confirms; each stands here once, so one edit changes it everywhere.
"""

from __future__ import annotations

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"tanium.threat_response/{COLLECTION_VERSION}"

# api_version -> the plugin path prefix of that API family, and whether it wraps bodies in {"data": ...}.
API_FAMILIES = {
    "4": ("/plugin/products/threat-response/api/v1", True),
    "3": ("/plugin/products/detect3/api/v1", False),
}
# Deploy, deployment status and tasks exist only in the threat-response family, on TR 3.x too.
DEPLOY_FAMILY = "4"
LOGIN_PATH = "/api/v2/session/login"

# The server answers 400 to a larger `limit` (reference Q7).
PAGE_LIMIT = 500

# Paths inside a family, formatted with keyword arguments.
INTELS = "intels"
INTEL = "intels/{intel_id}"
# INFERRED: `DELETE intels/?id=` is what current clients send; the older `DELETE intels/{id}` also exists.
INTEL_DELETE = "intels/"
INTEL_LABELS = "intels/{intel_id}/labels"
INTEL_LABEL = "intels/{intel_id}/labels/{label_id}"
LABELS = "labels"
# INFERRED: label update and delete by id are seen only in the legacy Detect API.
LABEL = "labels/{label_id}"
DEPLOY = "intel/deploy"
DEPLOY_STATUS = "intel/status"
ALERTS = "alerts"
ALERT = "alerts/{alert_id}"
# The 3.x family updates alert state in bulk: PUT alerts/ {"state": ..., "id": [...]}.
ALERTS_BULK = "alerts/"
