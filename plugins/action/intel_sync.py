# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_sync: resolves each document's `src` and `paths` on the controller."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import (
    ControllerFilesAction,
    selection,
)


class ActionModule(ControllerFilesAction):
    MODULE = "tanium.threat_response.intel_sync"

    def resolve_arguments(self, module_args):
        documents = module_args.get("documents") or []
        paths = module_args.get("paths") or []
        if not isinstance(documents, list) or not isinstance(paths, list):
            raise AnsibleActionFail("documents and paths must be lists")
        if paths or any(isinstance(entry, dict) and entry.get("src") is not None for entry in documents):
            self.require_controller()
        module_args["documents"] = [self._resolved(entry) for entry in documents]
        module_args["paths"] = [self._resolved_path(entry) for entry in paths]
        return selection(module_args)

    def _resolved_path(self, entry):
        """A `paths` entry with its src resolved; the module expands directories (a dict's options go with each file)."""
        if isinstance(entry, dict):
            if entry.get("src") is None:
                raise AnsibleActionFail(f"paths entry {entry!r} has no src")
            return self._resolved(entry)
        return self.source(entry)

    def _resolved(self, entry):
        if isinstance(entry, dict) and entry.get("src") is not None:
            return dict(entry, src=self.source(entry["src"]))
        return entry
