# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_check: resolves `src` and `paths` on the controller."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import (
    ControllerFilesAction,
    selection,
)


class ActionModule(ControllerFilesAction):
    MODULE = "tanium.threat_response.intel_check"

    def resolve_arguments(self, module_args):
        """`src` and `paths` as absolute controller paths; the module expands directories."""
        src, paths = module_args.pop("src", None), module_args.get("paths")
        if paths is not None and not isinstance(paths, list):
            raise AnsibleActionFail("paths must be a list of files or directories")
        given = ([src] if src is not None else []) + list(paths or [])
        if not given:
            raise AnsibleActionFail("one of the following is required: src, paths")
        self.require_controller()
        module_args["paths"] = [self.source(path) for path in given]
        return selection(module_args)
