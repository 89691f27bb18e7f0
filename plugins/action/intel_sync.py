# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_sync: resolves each document's `src` on the controller."""

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
            documents = module_args.get("documents") or []
            if not isinstance(documents, list):
                raise AnsibleActionFail("documents must be a list of intel entries")
            paths = module_args.get("paths") or []
            if paths or any(isinstance(entry, dict) and entry.get("src") is not None for entry in documents):
                require_controller(self, "tanium.threat_response.intel_sync")
            module_args["documents"] = [self._resolved(entry) for entry in documents]
            module_args["paths"] = [found for path in paths for found in files_under(resolve_source(self, path))]
        except AnsibleActionFail as failure:
            result.update(failure.result)
            return result
        result.update(self._execute_module(module_name="tanium.threat_response.intel_sync",
                                           module_args=module_args, task_vars=task_vars))
        return result

    def _resolved(self, entry):
        if isinstance(entry, dict) and entry.get("src") is not None:
            return dict(entry, src=resolve_source(self, entry["src"]))
        return entry
