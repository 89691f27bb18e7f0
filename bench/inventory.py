"""The endpoints inventory at fleet scale: requests sent, and wall time of the plugin's parse and of
`ansible-inventory --graph` and `--list`.

An emulator in this process serves a fleet of --endpoints endpoints (default 10,000) over TLS, with
--latency-ms added to every answer (default 20, a WAN to a real server), and --alerts unresolved alerts
spread over --alerted endpoints. Each scenario is measured three ways, each a whole process started
--runs times (median):

- parse: the inventory as ansible-playbook loads it (InventoryManager over the file, nothing printed);
- --graph: ansible-inventory printing the groups and host names;
- --list: ansible-inventory printing every host with its variables, which ansible-core does host by host
  (its VariableManager and its JSON encoder: about half the time at 10,000 hosts).

The requests are those of one parse (the emulator's journal). Not part of `make bench`:

    make install
    ANSIBLE_COLLECTIONS_PATH=.build/collections .venv/py311/bin/python bench/inventory.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from emulator import EmulatorConfig, EmulatorServer  # noqa: E402
from environment import base_environment  # noqa: E402

INTEL = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
PLUGIN = {"plugin": "tanium.threat_response.endpoints"}
# (name, inventory file settings, emulator settings, whether the run before fills the cache it reads)
SCENARIOS = (
    ("defaults (platform of alerted endpoints)", {}, {}, False),
    ("platform_lookup: none", {"platform_lookup": "none"}, {}, False),
    ("system_status paged by 1,000 rows", {"platform_lookup": "none"}, {"system_status_page_max": 1000}, False),
    ("keyed_groups, groups and compose", {"keyed_groups": [{"key": "tanium_status", "prefix": "status"}],
                                          "groups": {"busy": "tanium_alerts > 10"},
                                          "compose": {"ansible_user": "'responder'"}}, {}, False),
    ("jsonfile cache, warm", {"cache": True, "cache_plugin": "ansible.builtin.jsonfile"}, {}, True),
)


def fleet(size, alerted):
    now = datetime.datetime.now(datetime.timezone.utc)
    endpoints = []
    for number in range(size):
        registered = (now - datetime.timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
        endpoints.append({"name": f"host-{number:05d}.corp.example.com", "ip": f"10.{number // 65536}.{number // 256 % 256}"
                          f".{number % 256}", "platform": ("windows", "linux", "mac")[number % 3],
                          "last_registration": registered, "files": [{"path": "/tmp/x"}] if number < alerted else []})
    return endpoints


def raise_alerts(server, count, alerted):
    doc = server.seed_intel(INTEL.read_bytes(), INTEL.name)
    for number in range(count):
        server.raise_alert(doc["id"], f"host-{number % alerted:05d}.corp.example.com")


# The inventory as ansible-playbook loads it, timed inside the process (without Python's start).
PARSE = """
import sys, time
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()
started = time.perf_counter()
InventoryManager(DataLoader(), sources=[sys.argv[1]])
print(time.perf_counter() - started)
"""
HOW = ("parse", "--graph", "--list")


def run_once(how, config_file, env):
    """(seconds from start to exit of one process, or of the parse inside it; its output)."""
    if how == "parse":
        command = [sys.executable, "-c", PARSE, str(config_file)]
    else:
        command = [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(config_file), how]
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0 or "WARNING" in completed.stderr:
        raise SystemExit(completed.stderr)
    return (float(completed.stdout) if how == "parse" else elapsed), completed.stdout


def measure(server, work, settings, warm, runs):
    """({how: median seconds}, requests of one parse, (hosts, hosts in tanium_alerted) of the last --list)."""
    config = dict(PLUGIN, **settings)
    if config.get("cache"):
        config["cache_connection"] = str(work / "cache")
    config_file = work / "fleet.tanium.yml"
    config_file.write_text(json.dumps(config))
    env = dict(base_environment(), TANIUM_URL=server.url, TANIUM_API_TOKEN=server.api_token,
               TANIUM_CA_PATH=server.ca_file, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    if warm:
        run_once("parse", config_file, env)
    server.clear_journal()
    seconds = {how: [] for how in HOW}
    for _run in range(runs):
        for how in HOW:
            elapsed, output = run_once(how, config_file, env)
            seconds[how].append(elapsed)
    listing = json.loads(output)
    listed = len(listing["_meta"]["hostvars"]), len(listing.get("tanium_alerted", {}).get("hosts", []))
    requests = len(server.journal) // (runs * len(HOW))
    return {how: statistics.median(values) for how, values in seconds.items()}, requests, listed


def baseline(work, runs):
    """ansible-inventory itself: starting, with an inventory of one static host."""
    static = work / "static.yml"
    static.write_text("all:\n  hosts:\n    one:\n")
    return statistics.median(run_once("--list", static, base_environment())[0] for _run in range(runs))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=10_000)
    parser.add_argument("--alerted", type=int, default=25, help="endpoints with alerts")
    parser.add_argument("--alerts", type=int, default=1_200, help="unresolved alerts, spread over --alerted")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"fleet {args.endpoints:,} endpoints, {args.alerts:,} unresolved alerts on {args.alerted} of them,"
          f" {args.latency_ms:g} ms per answer; seconds, median of {args.runs} runs; load average"
          f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'scenario':42} {'requests':>8} {'parse':>7} {'--graph':>8} {'--list':>7}")
    with tempfile.TemporaryDirectory(prefix="bench-inventory-") as scratch:
        work = Path(scratch)
        print(f"{'ansible-inventory --list, one static host':42} {'-':>8} {'-':>7} {'-':>8} {baseline(work, args.runs):7.2f}")
        for name, settings, server_settings, warm in SCENARIOS:
            config = EmulatorConfig(fleet=fleet(args.endpoints, args.alerted), latency=args.latency_ms / 1000,
                                    **server_settings)
            with EmulatorServer(config) as server:
                raise_alerts(server, args.alerts, args.alerted)
                seconds, requests, (hosts, alerted) = measure(server, work, settings, warm, args.runs)
            print(f"{name:42} {requests:>8} {seconds['parse']:7.2f} {seconds['--graph']:8.2f} {seconds['--list']:7.2f}"
                  f"   {hosts:,} hosts, {alerted} in tanium_alerted")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    os.environ.pop("TANIUM_URL", None)
    sys.exit(main())
