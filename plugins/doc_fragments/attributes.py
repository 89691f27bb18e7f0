# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attribute blocks shared by the modules."""

from __future__ import annotations


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
  action_group:
    support: full
    membership:
      - tanium.threat_response.all
    description: Use C(group/tanium.threat_response.all) in C(module_defaults) to set the connection options once.
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: This module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  action_group:
    support: full
    membership:
      - tanium.threat_response.all
    description: Use C(group/tanium.threat_response.all) in C(module_defaults) to set the connection options once.
"""
