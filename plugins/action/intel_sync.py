# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_sync: resolves each document's `src` and `paths` on the controller."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import (
    ControllerFilesAction,
    files_under,
    require_controller,
    resolve_source,
    selection,
)


class ActionModule(ControllerFilesAction):
    MODULE = "tanium.threat_response.intel_sync"

    def resolve_arguments(self, module_args):
        documents = module_args.get("documents") or []
        paths = module_args.get("paths") or []
        patterns, excludes = selection(module_args)
        if not isinstance(documents, list) or not isinstance(paths, list):
            raise AnsibleActionFail("documents and paths must be lists")
        if paths or any(isinstance(entry, dict) and entry.get("src") is not None for entry in documents):
            require_controller(self, self.MODULE)
        module_args["documents"] = [self._resolved(entry) for entry in documents]
        module_args["paths"] = [found for entry in paths for found in self._expanded(entry, patterns, excludes)]
        return module_args

    def _expanded(self, entry, patterns, excludes):
        """A `paths` entry, one per selected file under it; a dict entry's options go with each of its files."""
        if isinstance(entry, dict):
            if entry.get("src") is None:
                raise AnsibleActionFail(f"paths entry {entry!r} has no src")
            found = files_under(resolve_source(self, entry["src"]), patterns, excludes)
            return [dict(entry, src=path) for path in found]
        return files_under(resolve_source(self, entry), patterns, excludes)

    def _resolved(self, entry):
        if isinstance(entry, dict) and entry.get("src") is not None:
            return dict(entry, src=resolve_source(self, entry["src"]))
        return entry
