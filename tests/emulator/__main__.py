"""Run the emulator from a shell: `cd tests && python -m emulator --tls-dir /tmp/tr-tls`.

When ready it prints ONE JSON line on stdout (url, ca_file, api_token, username, password, pid,
control) and writes the same JSON to --ready-file. SIGTERM/SIGINT or POST /_emulator/shutdown
stop it cleanly (saving the state file).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from .config import EmulatorConfig
from .server import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = EmulatorConfig(
        api_version=args.api_version, port=args.port, deploy_delay=args.deploy_delay,
        latency=args.latency_ms / 1000.0, session_ttl=args.session_ttl,
        expired_status=args.expired_status, name_filter=args.name_filter,
        state_file=args.state_file, fleet=args.fleet, tls_dir=args.tls_dir, question_delay=args.question_delay,
        collect_delay=args.collect_delay)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = EmulatorServer(config).start()
    try:
        if args.seed_dir and not server.intels():
            _seed(server, args.seed_dir)
        ready = {"url": server.url, "ca_file": server.ca_file, "api_token": server.api_token,
                 "username": server.username, "password": server.password, "pid": os.getpid(),
                 "control": server.url + "/_emulator"}
        if args.ready_file:
            _write_atomically(args.ready_file, json.dumps(ready) + "\n")
        print(json.dumps(ready), flush=True)
        while not stop.is_set() and not server.stopped.is_set():
            stop.wait(0.2)
    finally:
        server.stop()
    return 0


def _seed(server: EmulatorServer, directory: str) -> None:
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            content = handle.read()
        try:
            server.seed_intel(content, name)
        except ValueError as error:
            print(f"emulator: not seeded: {error}", file=sys.stderr)


def _write_atomically(path: str, text: str) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--api-version", default="4", choices=["3", "4", "both", "3.x", "4.x"])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--deploy-delay", type=float, default=2.0, help="seconds per deployment")
    parser.add_argument("--question-delay", type=float, default=2.0,
                        help="seconds over which the endpoints answer a platform question")
    parser.add_argument("--collect-delay", type=float, default=0.3,
                        help="seconds until a live connection is connected and a file download completes")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every API response")
    parser.add_argument("--session-ttl", type=float, default=300.0, help="idle seconds of a login session")
    parser.add_argument("--expired-status", type=int, default=401, choices=[401, 403])
    parser.add_argument("--name-filter", default="substring", choices=["substring", "exact"])
    parser.add_argument("--state-file", help="load at start if present, save after changes")
    parser.add_argument("--fleet", help="JSON file of simulated endpoints (default: fleet.json)")
    parser.add_argument("--tls-dir", help="keep the CA and server certificate here across runs")
    parser.add_argument("--ready-file", help="also write the ready JSON line to this file")
    parser.add_argument("--seed-dir", help="upload every file in this directory when the state is empty")
    return parser


if __name__ == "__main__":
    sys.exit(main())
