"""module_utils is built in rooms, and imports only run downwards (plugins/module_utils/README.md).

    _module.py                       the base of every module
    _intel/  _platform/  _alerts/    one room per task family; none imports another
    _formats/                        intel documents: detect, parse, validate (no I/O but reading a file)
    _api/                            the client and the wire facts
    _errors.py                       typed errors and the secret scrubber
"""

import ast
import contextlib
import io
import json
import sys
import threading
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tanium.threat_response.plugins.modules import intel_sync

REPO = Path(__file__).resolve().parents[2]
MODULE_UTILS = REPO / "plugins" / "module_utils"
PACKAGE = "ansible_collections.tanium.threat_response.plugins"

LAYERS = (("_module",), ("_intel", "_platform", "_alerts"), ("_formats",), ("_api",), ("_errors",))
LAYER_OF = {unit: depth for depth, units in enumerate(LAYERS) for unit in units}
ROOMS = {"_intel", "_platform", "_alerts", "_formats", "_api"}


def unit_of(relative_parts):
    """The room (or top-level file) a module_utils path such as ('_intel', 'sync') belongs to."""
    return relative_parts[0]


def collection_imports(path):
    """Every `ansible_collections.tanium.threat_response.plugins...` module that `path` imports, as parts."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            parts = node.module[len(PACKAGE) + 1:].split(".")
            if parts == ["module_utils"] or parts[-1] in ROOMS:
                found.extend(parts + [alias.name] for alias in node.names)  # `from ..._api import wire`
            else:
                found.append(parts)
        elif isinstance(node, ast.Import):
            found.extend(alias.name[len(PACKAGE) + 1:].split(".") for alias in node.names
                         if alias.name.startswith(PACKAGE))
    return found


def import_problems(root):
    """Each import of a file under `root` (a module_utils tree) that does not run downwards."""
    problems = []
    for path in sorted(path for path in root.rglob("*.py") if path.name != "__init__.py"):
        name = path.relative_to(root)
        source = unit_of(name.with_suffix("").parts)
        for parts in collection_imports(path):
            if parts[0] != "module_utils":
                problems.append(f"{name} imports plugins.{'.'.join(parts)}")
                continue
            target = unit_of(parts[1:])
            if target == source:
                continue
            if LAYER_OF[target] <= LAYER_OF[source]:
                problems.append(f"{name} imports {'.'.join(parts[1:])}: "
                                f"{target} is not below {source}")
    return problems


def test_every_module_utils_file_sits_in_a_room_except_the_module_base_and_the_errors():
    outside = sorted(path.name for path in MODULE_UTILS.glob("*.py"))
    assert outside == ["_errors.py", "_module.py"]
    rooms = sorted(path.name for path in MODULE_UTILS.iterdir() if path.is_dir() and path.name != "__pycache__")
    assert rooms == sorted(ROOMS)
    for room in rooms:
        init = MODULE_UTILS / room / "__init__.py"
        assert init.is_file() and init.read_text() == "", f"{room}/__init__.py must exist and be empty"


def test_module_utils_imports_only_run_downwards():
    assert import_problems(MODULE_UTILS) == []


def test_the_walk_sees_an_upward_and_a_sideways_import(tmp_path):
    """The check itself: a file in _api importing _intel, and _alerts importing _intel, are both caught."""
    api = tmp_path / "_api"
    api.mkdir()
    (api / "client.py").write_text(f"from {PACKAGE}.module_utils._intel.store import IntelStore\n")
    alerts = tmp_path / "_alerts"
    alerts.mkdir()
    (alerts / "feed.py").write_text(f"from {PACKAGE}.module_utils._intel import store\n"
                                    f"from {PACKAGE}.module_utils._api import wire\n")
    assert import_problems(tmp_path) == ["_alerts/feed.py imports _intel.store: _intel is not below _alerts",
                                         "_api/client.py imports _intel.store: _intel is not below _api"]


# -- the path a task takes at run time ------------------------------------------------------------


def rooms_on(frame):
    """The rooms of module_utils a stack passes through, outermost first, a run of frames in one room once."""
    rooms = []
    while frame is not None:
        inside, below = frame.f_code.co_filename.partition("/plugins/module_utils/")[1:]
        if inside:
            room = below.split("/")[0].removesuffix(".py")
            if not rooms or rooms[-1] != room:
                rooms.append(room)
        frame = frame.f_back
    return tuple(reversed(rooms))


def descends(rooms):
    """Whether a path visits each room once, each deeper than the one before."""
    return all(LAYER_OF[upper] < LAYER_OF[lower] for upper, lower in zip(rooms, rooms[1:]))


def test_a_path_that_climbs_back_or_returns_to_a_room_is_told_apart():
    assert descends(("_module", "_intel", "_formats", "_api", "_errors"))
    assert not descends(("_module", "_intel", "_api", "_intel", "_api"))  # a callback from the client
    assert not descends(("_module", "_intel", "_platform"))  # one task room calling another


def test_intel_sync_from_the_module_to_each_request_visits_each_room_once_in_order(emulator):
    """Every stack of module_utils frames while intel_sync uploads a set runs down the layers (threads too)."""
    paths = set()
    lock = threading.Lock()

    def record(frame, event, _arg):
        if event == "call" and "/plugins/module_utils/" in frame.f_code.co_filename:
            with lock:
                paths.add(rooms_on(frame))

    args = dict(url=emulator.url, api_token=emulator.api_token, ca_path=emulator.ca_file, purge=True,
                paths=[str(REPO / "tests" / "fixtures" / "corpus" / "openioc")])
    output = io.StringIO()
    sys.setprofile(record)
    threading.setprofile(record)
    try:
        with patch_module_args(args), contextlib.redirect_stdout(output), pytest.raises(SystemExit):
            intel_sync.main()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    result = json.loads(output.getvalue())
    assert result["changed"] and not result.get("failed"), result.get("msg")
    assert [path for path in paths if not descends(path)] == []
    # The request itself: module base, the intel room, the client.
    assert ("_module", "_intel", "_api") in paths and ("_module", "_intel", "_formats") in paths
