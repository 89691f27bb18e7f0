# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter tanium.threat_response.to_openioc; documented in to_openioc.yml beside this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.plugin_utils._openioc_builder import build_openioc


def to_openioc(indicators, name=None, description=None, unsupported="fail"):
    try:
        return build_openioc(indicators, name, description, unsupported, warn=Display().warning)
    except InvalidInput as error:
        raise AnsibleFilterError(f"to_openioc: {error}") from None


class FilterModule:
    def filters(self):
        return {"to_openioc": to_openioc}
