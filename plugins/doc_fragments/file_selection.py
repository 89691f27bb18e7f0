# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files a directory contributes (intel_check, intel_sync): plugins/module_utils/_intel/selection.py."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  patterns:
    description:
      - Which files a directory named in the task contributes, as shell patterns matched against the file
        name (not the path), case-insensitively, as in M(ansible.builtin.find); a list, or one string of
        comma-separated patterns.
      - Defaults to the extensions intel is published with, C(*.ioc), C(*.xml), C(*.stix), C(*.yar),
        C(*.yara) and C(*.json), so a rule directory's C(README.md), CSV files and hash lists are left out.
      - A file named directly is always taken.
    type: list
    elements: str
  excludes:
    description:
      - Files of a directory named in the task to leave out, as shell patterns matched like O(patterns).
    type: list
    elements: str
"""
