# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attribute blocks shared by the modules, one per kind of module; a module adds its own `details`."""

from __future__ import annotations


class ModuleDocFragment:
    # The action_group attribute comes with the connection options (doc fragment `connection`).
    # Plain string literals: ansible-test 2.17 reads doc fragments without evaluating expressions.
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
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: This module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
"""

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
"""
