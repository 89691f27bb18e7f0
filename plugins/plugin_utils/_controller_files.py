# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side resolution of `src` paths for the action plugins (intel, intel_sync, intel_check)."""

from __future__ import annotations

import fnmatch
import os

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase


class ControllerFilesAction(ActionBase):
    """Runs MODULE after `resolve_arguments` has turned controller paths into absolute ones."""

    TRANSFERS_FILES = False
    MODULE = ""

    def resolve_arguments(self, module_args):
        """The module arguments with their paths resolved; raises AnsibleActionFail on a bad path."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            module_args = self.resolve_arguments(dict(self._task.args))
        except AnsibleActionFail as failure:
            # ansible-core 2.21 no longer fills failure.result; say it the same way on every version.
            result.update(failed=True, msg=failure.message)
            return result
        result.update(self._execute_module(module_name=self.MODULE, module_args=module_args, task_vars=task_vars))
        return result

    def require_controller(self):
        """These modules read controller files and talk HTTPS themselves; they run only where the files are."""
        transport = self._connection.transport
        if transport not in ("local", "ansible.builtin.local"):
            raise AnsibleActionFail(
                f"{self.MODULE} reads intel files on the controller and must run there: use `connection: local` "
                f"(or `delegate_to: localhost`) instead of the {transport!r} connection")

    def source(self, src):
        """The absolute controller path of `src`, looked up like `template` does: role files/, then playbook dir."""
        try:
            return self._find_needle("files", src)
        except AnsibleError as error:
            raise AnsibleActionFail(f"src {src!r}: {error.message}") from None

    @staticmethod
    def pop_selection(module_args):
        """(patterns, excludes) popped from the module arguments: see `selection`."""
        return selection(module_args)

    def files(self, src, chosen):
        """The controller files `src` stands for: itself, or the files of a directory that `chosen` selects."""
        return files_under(self.source(src), *chosen)


# The file names a directory contributes by default: the extensions intel is published with. A
# directory of rules also holds README.md, CSVs and hash lists, which are not intel documents.
DEFAULT_PATTERNS = ("*.ioc", "*.xml", "*.stix", "*.yar", "*.yara", "*.json")


def selection(module_args):
    """(patterns, excludes) popped from the module arguments, as lists of globs (defaults applied)."""
    return (_globs(module_args.pop("patterns", None), "patterns") or list(DEFAULT_PATTERNS),
            _globs(module_args.pop("excludes", None), "excludes") or [])


def _globs(value, option):
    # As ansible.builtin.find: a list, or one string of comma-separated patterns.
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AnsibleActionFail(f"{option} must be a list of shell patterns such as '*.yar'")
    return [item.strip() for item in value if item.strip()]


def files_under(path, patterns=DEFAULT_PATTERNS, excludes=()):
    """A file as itself; a directory as its files whose names match a pattern and no exclude, sorted.

    Hidden files and directories are skipped. Symlinked directories are followed; a directory reached
    again (a link loop, or two links to one place) is read once.
    """
    if not os.path.isdir(path):
        return [path]
    found, seen = [], set()
    for directory, subdirectories, files in os.walk(path, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:
            subdirectories[:] = []
            continue
        seen.add(real)
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        found.extend(os.path.join(directory, name) for name in files
                     if not name.startswith(".") and _selected(name, patterns, excludes))
    return sorted(found)


def _selected(name, patterns, excludes):
    # Case-insensitive: published intel comes as .IOC and .YAR as well.
    folded = name.casefold()
    return (any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in patterns)
            and not any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in excludes))
