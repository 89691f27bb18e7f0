"""Test-wide setup: import paths, no proxies, the emulator fixture, the corpus location."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "fixtures" / "corpus"
HANDWRITTEN = REPO / "tests" / "fixtures" / "handwritten"
_IMPORT_ROOT = REPO / ".build" / "pythonpath"


def _link_collection():
    """Make `ansible_collections.tanium.threat_response` importable straight from the working tree."""
    link = _IMPORT_ROOT / "ansible_collections" / "tanium" / "threat_response"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        try:
            link.symlink_to(REPO, target_is_directory=True)
        except FileExistsError:
            pass  # another xdist worker made it first


_link_collection()
for entry in (str(_IMPORT_ROOT), str(REPO / "tests")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

# Tests talk to 127.0.0.1 only: a proxy from the environment must never see that traffic.
for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(variable, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


INTEGRATION = Path(__file__).resolve().parent / "integration"
INTEGRATION_PAGE_MAX = 50


def pytest_configure(config):
    config.addinivalue_line("markers", "emulator(**config): EmulatorConfig fields for the `emulator` fixture")


@pytest.fixture
def emulator(request):
    """A fresh Threat Response emulator on 127.0.0.1 over TLS, for one test."""
    from emulator import EmulatorConfig, EmulatorServer

    marker = request.node.get_closest_marker("emulator")
    settings = dict(deploy_delay=0.2)
    if INTEGRATION in Path(str(request.node.path)).parents:
        # The modules meet the least convenient server the evidence allows (docs/wire-format.md): one that
        # answers fewer rows than `limit`, leaves `labelIds` out of 4.x intel objects, and refuses every
        # request form no public client sends.
        settings.update(list_page_max=INTEGRATION_PAGE_MAX, label_ids_absent=True, strict=True)
    settings.update(marker.kwargs if marker else {})
    server = EmulatorServer(EmulatorConfig(**settings)).start()
    yield server
    server.stop()
