# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side resolution of `src` paths for the action plugins (intel, intel_sync, intel_check)."""

from __future__ import annotations

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


def resolve_source(action, src):
    """The absolute controller path of `src`, looked up like `template` does: role files/, then playbook dir."""
    try:
        return action._find_needle("files", src)
    except AnsibleError as error:
        raise AnsibleActionFail(f"src {src!r}: {error.message}") from None


def files_under(path):
    """A file as itself; a directory as every file below it, sorted, without hidden files or directories."""
    if not os.path.isdir(path):
        return [path]
    found = []
    for directory, subdirectories, files in os.walk(path):
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        found.extend(os.path.join(directory, name) for name in files if not name.startswith("."))
    return sorted(found)


def require_controller(action, module_name):
    """These modules read controller files and talk HTTPS themselves; they run only where the files are."""
    if action._connection.transport not in ("local", "ansible.builtin.local"):
        raise AnsibleActionFail(
            f"{module_name} reads intel files on the controller and must run there: use `connection: local` "
            f"(or `delegate_to: localhost`) instead of the {action._connection.transport!r} connection")
