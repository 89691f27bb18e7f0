# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The intel_check task: its options and the check of the files they name.

Shared by the module and its action plugin, which runs the check on the controller, where the files
are, without starting a module process (that costs a playbook about 0.8 s: bench/README.md).
"""

from __future__ import annotations

import os

from ansible_collections.tanium.threat_response.plugins.module_utils._formats.applicability import (
    applicability_report,
    summary_line,
    unknown_terms,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.selection import files_under
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    DEFAULT_MAX_SIZE,
    IntelFormatError,
    parse_document,
    read_document,
)

ARGUMENT_SPEC = dict(
    src=dict(type="path"),
    paths=dict(type="list", elements="path"),
    # Normalised by the action plugin (a comma-separated string becomes a list); applied here.
    patterns=dict(type="list", elements="str"),
    excludes=dict(type="list", elements="str"),
    max_size=dict(type="int", default=DEFAULT_MAX_SIZE),
    fail_on=dict(type="str", default="invalid", choices=["invalid", "unknown", "never"]),
    details=dict(type="str", default="findings", choices=["findings", "all"]),
)
REQUIRED_ONE_OF = [("src", "paths")]

# What makes a document fail the task, per fail_on.
_FAILING = {"invalid": "are invalid", "unknown": "are invalid or have terms of level unknown"}


def check_file(path, max_size):
    entry = dict(path=path, type=None, type_version=None, name=None, intrinsic_id=None, valid=False, error=None,
                 applicability=None)
    try:
        # As the intel module does, a YARA document is named after its file.
        document = parse_document(read_document(path, max_size), source=path, yara_name=os.path.basename(path),
                                  max_size=max_size)
    except IntelFormatError as error:
        entry["error"] = error.problem
        return entry
    entry.update(type=document.type, type_version=document.type_version, name=document.name,
                 intrinsic_id=document.intrinsic_id, valid=True, applicability=applicability_report(document))
    return entry


def summarise(documents):
    reports = [entry["applicability"] for entry in documents if entry["valid"]]
    summary = dict(documents=len(documents), valid=len(reports), invalid=len(documents) - len(reports),
                   with_unknown_terms=sum(1 for report in reports if unknown_terms(report)))
    summary.update({level: sum(report[level] for report in reports) for level in ("known", "probable", "unknown")})
    return summary


def has_findings(entry):
    """Invalid, or with terms that are not known: what a check of a large library reports by default."""
    return not entry["valid"] or bool(entry["applicability"]["findings"])


def fails(entry, fail_on):
    if fail_on == "never":
        return False
    return not entry["valid"] or (fail_on == "unknown" and bool(unknown_terms(entry["applicability"])))


def check_files(params, warn):
    """The task's result for validated `params`, with `failed` set; `warn(text)` says what the task should warn."""
    # `src` and `paths` are absolute controller paths by now; directories stand for their files.
    given = ([params["src"]] if params["src"] else []) + (params["paths"] or [])
    paths = list(dict.fromkeys(found for path in given
                               for found in files_under(path, params["patterns"], params["excludes"])))
    if not paths:
        warn("intel_check found no files to check")
    checked = [check_file(path, params["max_size"]) for path in paths]
    summary = summarise(checked)
    documents = [entry for entry in checked if params["details"] == "all" or has_findings(entry)]
    lines = [summary_line(entry["path"], entry["applicability"]) if entry["valid"] else
             f"{entry['path']}: invalid: {entry['error']}" for entry in documents]
    failing = [line for entry, line in zip(documents, lines) if fails(entry, params["fail_on"])]
    if failing:
        reason = f"{len(failing)} of {len(checked)} intel documents {_FAILING[params['fail_on']]} (fail_on={params['fail_on']})"
        return dict(failed=True, changed=False, msg="; ".join([reason] + failing), documents=documents, summary=summary)
    return dict(failed=False, changed=False, documents=documents, summary=summary, msg=lines)
