"""Every secret option of every module is no_log, read from the argument spec each module really builds."""

import importlib
import re
from pathlib import Path

import pytest
from ansible.module_utils import basic

MODULES_DIR = Path(__file__).resolve().parents[2] / "plugins" / "modules"
MODULES = sorted(path.stem for path in MODULES_DIR.glob("*.py") if path.stem != "__init__")
# intel_check reads local files only: it has no connection options.
WITHOUT_CONNECTION = {"intel_check"}
LOOKS_SECRET = re.compile(r"token|passw|secret|credential|private_key|api_key", re.IGNORECASE)


class SpecCaptured(Exception):
    def __init__(self, argument_spec):
        super().__init__("argument spec captured")
        self.argument_spec = argument_spec


def argument_spec_of(module_name, monkeypatch):
    """The argument spec `module_name`'s main() hands to AnsibleModule (connection options merged in)."""

    def capture(self, argument_spec, **kwargs):
        raise SpecCaptured(argument_spec)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", capture)
    module = importlib.import_module(f"ansible_collections.tanium.threat_response.plugins.modules.{module_name}")
    with pytest.raises(SpecCaptured) as captured:
        module.main()
    return captured.value.argument_spec


def all_options(spec, prefix=""):
    """(dotted name, option) for every option, suboptions included."""
    for name, option in spec.items():
        yield prefix + name, option
        yield from all_options(option.get("options") or {}, prefix=f"{prefix}{name}.")


def test_every_module_is_checked():
    # The glob found the modules (a wrong path would check nothing); new ones are picked up by it.
    assert len(MODULES) >= 13 and {"intel_sync", "question_info", "intel_scan", "endpoint_info",
                                   "file_collect"} <= set(MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_every_secret_option_is_no_log(module_name, monkeypatch):
    spec = argument_spec_of(module_name, monkeypatch)
    if module_name not in WITHOUT_CONNECTION:
        assert spec["api_token"].get("no_log") is True
        assert spec["password"].get("no_log") is True
    secret_looking = {name: option for name, option in all_options(spec) if LOOKS_SECRET.search(name.rsplit(".")[-1])}
    assert all(option.get("no_log") is True for option in secret_looking.values()), secret_looking
    # no_log only where needed: masking ordinary values would hide them from users' results too.
    assert {name for name, option in all_options(spec) if option.get("no_log")} == set(secret_looking)
