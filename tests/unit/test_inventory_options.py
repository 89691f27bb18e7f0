"""The inventory plugin takes the modules' connection options: the same names, types, defaults, choices and
TANIUM_* variables (plugins/doc_fragments/inventory_connection.py against module_utils/_api/settings.py)."""

import yaml

from ansible_collections.tanium.threat_response.plugins.doc_fragments.inventory_connection import ModuleDocFragment
from ansible_collections.tanium.threat_response.plugins.inventory import endpoints
from ansible_collections.tanium.threat_response.plugins.module_utils._api.settings import CONNECTION_ARGUMENT_SPEC

OPTIONS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]


def test_every_module_connection_option_and_no_other():
    assert set(OPTIONS) == set(CONNECTION_ARGUMENT_SPEC)


def test_types_defaults_choices_and_environment_variables_match_the_modules():
    for name, spec in CONNECTION_ARGUMENT_SPEC.items():
        option = OPTIONS[name]
        assert option["type"] == spec["type"], name
        assert option.get("default") == spec.get("default"), name
        assert option.get("choices") == spec.get("choices"), name
        variables = [entry["name"] for entry in option.get("env", [])]
        assert variables == (spec["fallback"][1] if "fallback" in spec else []), name


def test_the_plugin_uses_the_fragment_and_the_constructed_and_cache_ones():
    documentation = yaml.safe_load(endpoints.DOCUMENTATION)
    assert documentation["extends_documentation_fragment"] == [
        "tanium.threat_response.inventory_connection", "ansible.builtin.constructed", "ansible.builtin.inventory_cache"]
    assert not set(documentation["options"]) & set(OPTIONS)
