# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel: resolves `src` on the controller, then runs the module."""

from __future__ import annotations

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import ControllerFilesAction


class ActionModule(ControllerFilesAction):
    MODULE = "tanium.threat_response.intel"

    def resolve_arguments(self, module_args):
        if module_args.get("src") is not None:
            self.require_controller()
            module_args["src"] = self.source(module_args["src"])
        return module_args
