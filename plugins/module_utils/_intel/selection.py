# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files a directory contributes (the `patterns`/`excludes` options of intel_check and intel_sync).

Expanded where the files are read, on the controller (the intel_sync module, intel_check's action
plugin): handing a module 10,000 paths through its arguments would cost more than reading the directory
(bench/README.md).
"""

from __future__ import annotations

import fnmatch
import os

# The file names a directory contributes by default: the extensions intel is published with. A
# directory of rules also holds README.md, CSVs and hash lists, which are not intel documents.
DEFAULT_PATTERNS = ("*.ioc", "*.xml", "*.stix", "*.yar", "*.yara", "*.json")


def files_under(path, patterns=None, excludes=None):
    """A file as itself; a directory as its files whose names match a pattern and no exclude, sorted.

    Hidden files and directories are skipped. Symlinked directories are followed; a directory reached
    again (a link loop, or two links to one place) is read once.
    """
    if not os.path.isdir(path):
        return [path]
    patterns = [pattern.casefold() for pattern in patterns or DEFAULT_PATTERNS]
    excludes = [pattern.casefold() for pattern in excludes or ()]
    found, seen = [], set()
    for directory, subdirectories, files in os.walk(path, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:
            subdirectories[:] = []
            continue
        seen.add(real)
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        found.extend(os.path.join(directory, name) for name in files
                     if not name.startswith(".") and _selected(name.casefold(), patterns, excludes))
    return sorted(found)


def _selected(folded_name, patterns, excludes):
    # Case-insensitive: published intel comes as .IOC and .YAR as well.
    return (any(fnmatch.fnmatchcase(folded_name, pattern) for pattern in patterns)
            and not any(fnmatch.fnmatchcase(folded_name, pattern) for pattern in excludes))
