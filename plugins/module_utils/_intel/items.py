# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One record per document, from the task's options to its result.

`intel` makes one, `intel_sync` one per entry of its set, and the set's plan adds one per document it
deletes that the task did not ask for (copies, purge). Reading (_intel.entries), planning, writing
(_intel.apply) and the result all fill in and read the same record, never lists matched by position.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.applicability import summary_line
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    DesiredIntel,
    IntelChange,
)

_OUTCOME = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", DELETE: "deleted"}


@dataclasses.dataclass
class IntelItem:
    """One document: what the task asked, what was planned, and what happened."""

    # The task's options for this document; None for a delete the plan added (a copy, a purged document).
    options: dict | None = dataclasses.field(default=None, repr=False)
    content: bytes | None = dataclasses.field(default=None, repr=False)  # its bytes, once read
    desired: DesiredIntel | None = None  # once read and validated
    report: dict | None = None           # applicability; None when ignored, and for deletes the plan added
    change: IntelChange | None = None    # once planned
    result: dict | None = None           # the server document afterwards (check mode: as predicted)
    error: ThreatResponseError | None = None

    @property
    def requested(self):
        """Whether the task asked for this document (not a copy or a purged document the plan deletes)."""
        return self.options is not None

    @property
    def name(self):
        return self.change.name

    @property
    def outcome(self):
        """created / updated / unchanged / deleted (a label-only change counts as updated)."""
        if self.change.action == UNCHANGED and self.change.changed:
            return "updated"
        return _OUTCOME.get(self.change.action)

    @property
    def written(self):
        return self.error is None and self.change.changed

    @property
    def uploads(self):
        """Whether the plan sends this document's bytes (a create or an update)."""
        return self.change.action in (CREATE, UPDATE)

    def brief(self):
        document = self.result or self.change.current or {}
        return dict(name=self.name, id=document.get("id"), type=document.get("type") or self.desired.type)

    def entry(self):
        """Everything about this document: name, id, type, source, action and applicability."""
        entry = dict(self.brief(), action=self.change.action, applicability=self.report,
                     source=self.desired.document.source if self.desired.document is not None else None)
        if self.report and self.report["findings"]:
            entry["applicability_summary"] = summary_line(self.name, self.report)
        if self.error is not None:
            entry["error"] = str(self.error)
        return entry
