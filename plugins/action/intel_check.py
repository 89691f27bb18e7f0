# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_check: finds the files to check on the controller."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import ControllerFilesAction


class ActionModule(ControllerFilesAction):
    MODULE = "tanium.threat_response.intel_check"

    def resolve_arguments(self, module_args):
        """Every file `src` and `paths` name, directories expanded, as absolute controller paths."""
        src, paths = module_args.pop("src", None), module_args.get("paths")
        chosen = self.pop_selection(module_args)
        if paths is not None and not isinstance(paths, list):
            raise AnsibleActionFail("paths must be a list of files or directories")
        given = ([src] if src is not None else []) + list(paths or [])
        if not given:
            raise AnsibleActionFail("one of the following is required: src, paths")
        self.require_controller()
        module_args["paths"] = [found for path in given for found in self.files(path, chosen)]
        return module_args
