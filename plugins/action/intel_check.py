# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_check: finds the files to check on the controller."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import (
    files_under,
    require_controller,
    resolve_source,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        try:
            module_args["paths"] = self._files(module_args.pop("src", None), module_args.get("paths"))
        except AnsibleActionFail as failure:
            result.update(failure.result)
            return result
        result.update(self._execute_module(module_name="tanium.threat_response.intel_check", module_args=module_args,
                                           task_vars=task_vars))
        return result

    def _files(self, src, paths):
        """Every file `src` and `paths` name, directories expanded, as absolute controller paths."""
        if paths is not None and not isinstance(paths, list):
            raise AnsibleActionFail("paths must be a list of files or directories")
        given = ([src] if src is not None else []) + list(paths or [])
        if not given:
            raise AnsibleActionFail("one of the following is required: src, paths")
        require_controller(self, "tanium.threat_response.intel_check")
        return [found for path in given for found in files_under(resolve_source(self, path))]
