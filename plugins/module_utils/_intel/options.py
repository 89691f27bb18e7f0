# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument_spec pieces the intel modules share, so `intel`, `intel_sync` and `intel_check` agree."""

from __future__ import annotations

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import documents as formats

# The options of one intel document, in `intel` and in each `intel_sync` entry.
DOCUMENT_OPTIONS = dict(
    src=dict(type="path"),
    content=dict(type="str"),
    type=dict(type="str", default="auto", choices=["auto"] + list(formats.INTEL_TYPES)),
    name=dict(type="str"),
    description=dict(type="str"),
    labels=dict(type="list", elements="str"),
)

# A dict entry of `intel_sync`'s `paths`: a file or directory, with the options every file under it gets.
PATH_OPTIONS = dict(
    src=dict(type="path", required=True),
    type=DOCUMENT_OPTIONS["type"],
    description=DOCUMENT_OPTIONS["description"],
    labels=DOCUMENT_OPTIONS["labels"],
)

APPLICABILITY_OPTION = dict(type="str", default="warn", choices=["warn", "error", "ignore"])

MAX_SIZE_OPTION = dict(type="int", default=formats.DEFAULT_MAX_SIZE)
