# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for tanium.threat_response.intel_check: resolves `src` and `paths`, then checks the files
on the controller itself, without starting a module process."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.check import (
    ARGUMENT_SPEC,
    REQUIRED_ONE_OF,
    check_files,
)

from ansible_collections.tanium.threat_response.plugins.plugin_utils._controller_files import (
    ControllerFilesAction,
    selection,
)


class ActionModule(ControllerFilesAction):
    MODULE = "tanium.threat_response.intel_check"

    def resolve_arguments(self, module_args):
        """`src` and `paths` as absolute controller paths; the check expands directories."""
        src, paths = module_args.pop("src", None), module_args.get("paths")
        if paths is not None and not isinstance(paths, list):
            raise AnsibleActionFail("paths must be a list of files or directories")
        given = ([src] if src is not None else []) + list(paths or [])
        if not given:
            raise AnsibleActionFail("one of the following is required: src, paths")
        self.require_controller()
        module_args["paths"] = [self.source(path) for path in given]
        return selection(module_args)

    def execute(self, module_args, task_vars):
        """The module's work, validated against the module's own argument spec, in this process."""
        validated = ArgumentSpecValidator(ARGUMENT_SPEC, required_one_of=REQUIRED_ONE_OF).validate(module_args)
        if validated.error_messages:
            return dict(failed=True, msg="; ".join(validated.error_messages))
        warnings = []
        result = check_files(validated.validated_parameters, warnings.append)
        if warnings:
            result["warnings"] = warnings
        return result
