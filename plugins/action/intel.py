# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel: resolves `src` on the controller, then runs the module."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import (
    require_controller,
    resolve_source,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        try:
            if module_args.get("src") is not None:
                require_controller(self, "tanium.threat_response.intel")
                module_args["src"] = resolve_source(self, module_args["src"])
        except AnsibleActionFail as failure:
            result.update(failure.result)
            return result
        result.update(self._execute_module(module_name="tanium.threat_response.intel", module_args=module_args,
                                           task_vars=task_vars))
        return result
