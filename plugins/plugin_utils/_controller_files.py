# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side resolution of `src` paths for the action plugins (intel, intel_sync, intel_check).

Directories are expanded later, on the controller too, by module_utils/_intel/selection.py (in the
intel_sync module, and in intel_check's action plugin).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase


class ControllerFilesAction(ActionBase):
    """Runs MODULE (or `execute`) after `resolve_arguments` has turned controller paths into absolute ones."""

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
        result.update(self.execute(module_args, task_vars))
        return result

    def execute(self, module_args, task_vars):
        """The task's result for the resolved arguments: by default, the module's."""
        return self._execute_module(module_name=self.MODULE, module_args=module_args, task_vars=task_vars)

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


def selection(module_args):
    """The module arguments with `patterns` and `excludes` as lists of globs (the module expands directories)."""
    for option in ("patterns", "excludes"):
        globs = _globs(module_args.pop(option, None), option)
        if globs:
            module_args[option] = globs
    return module_args


def _globs(value, option):
    # As ansible.builtin.find: a list, or one string of comma-separated patterns.
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AnsibleActionFail(f"{option} must be a list of shell patterns such as '*.yar'")
    return [item.strip() for item in value if item.strip()]
