# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attribute blocks shared by the modules, one per kind of module; a module adds its own `details`."""

from __future__ import annotations

# Every module that takes the connection options is in the action group of meta/runtime.yml.
_ACTION_GROUP = r"""
  action_group:
    support: full
    membership:
      - tanium.threat_response.all
    description: Use C(group/tanium.threat_response.all) in C(module_defaults) to set the connection options once.
"""


class ModuleDocFragment:
    # Modules that change something: check mode and diff are computed from the same plan as a real run.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description:
      - Computes the same plan as a real run and reports it, sending no request that changes anything.
      - With O(username) and O(password), the login is the only POST.
  diff_mode:
    support: full
    description:
      - Shows the object's fields before and after; for an intel document its name, description, type, labels,
        MD5, size and revision, never its whole body.
""" + _ACTION_GROUP

    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: This module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
""" + _ACTION_GROUP

    # Modules that start a job on the server (a deployment, a scan, a file collection) rather than set a state.
    JOB = r"""
attributes:
  check_mode:
    support: full
    description:
      - Makes the lookups of a real run and reports whether it would start the job, sending no request that starts it.
      - With O(username) and O(password), the login is the only POST.
  diff_mode:
    support: none
    description: A job has no before and after to show.
""" + _ACTION_GROUP
