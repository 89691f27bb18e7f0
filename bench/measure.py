"""What the benchmark measures with: the emulator as a separate process, and one timed, memory-sampled run.

Memory is measured two ways for every run:
- `rss_tree_mb`: psutil polls the process and all its descendants every SAMPLE_INTERVAL seconds and keeps
  the largest SUM of their RSS (a short-lived process between two samples can be missed);
- `rss_max_mb`: ru_maxrss from os.wait4() on the process, which Linux reports as the largest RSS of the
  process or of any descendant it waited for: exact, and what the "any ansible process" target uses.

CPU: `cpu` is user + system seconds from the same os.wait4() rusage, which covers the process and every
descendant it waited for (ansible's workers and the module process; the emulator is not in the tree).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

TESTS_DIR = Path(__file__).resolve().parent.parent / "tests"
SAMPLE_INTERVAL = 0.05
# Bounds every run: a contender that hangs is killed and its cell reported as failed.
RUN_TIMEOUT = 3600
LOGIN_PATH = "/api/v2/session/login"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclasses.dataclass
class RunFigures:
    wall: float
    rss_tree_mb: float
    rss_max_mb: float
    returncode: int
    cpu: float = 0.0
    requests: int = 0
    writes: int = 0
    error: str | None = None


class Emulator:
    """`python -m emulator` in tests/, on 127.0.0.1, read through its JSON ready line and control API."""

    def __init__(self, latency_ms: float, tls_dir: Path):
        command = [sys.executable, "-m", "emulator", "--latency-ms", str(latency_ms), "--deploy-delay", "0",
                   "--tls-dir", str(tls_dir)]
        self.process = subprocess.Popen(command, cwd=TESTS_DIR, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=30)
            raise RuntimeError(f"the emulator exited before it was ready (status {self.process.returncode})")
        self.ready = json.loads(line)
        self._context = ssl.create_default_context(cafile=self.ready["ca_file"])

    def environment(self) -> dict:
        """The TANIUM_* variables every contender reads its connection from."""
        return {"TANIUM_URL": self.ready["url"], "TANIUM_API_TOKEN": self.ready["api_token"],
                "TANIUM_CA_PATH": self.ready["ca_file"]}

    def _control(self, method: str, path: str):
        request = urllib.request.Request(self.ready["control"] + path, method=method)
        with urllib.request.urlopen(request, context=self._context, timeout=60) as response:
            body = response.read()
        return json.loads(body) if body else None

    def take_journal(self) -> tuple[int, int]:
        """(requests, writes) served since the last call; writes are POST/PUT/PATCH/DELETE but the login."""
        journal = self._control("GET", "/journal")
        self._control("DELETE", "/journal")
        writes = [entry for entry in journal if entry["method"] in WRITE_METHODS and entry["path"] != LOGIN_PATH]
        return len(journal), len(writes)

    def intel_md5s(self) -> dict:
        """{document name: [md5 of each server document with that name]}."""
        held = {}
        for intel in self._control("GET", "/state")["intels"]:
            held.setdefault(intel["name"], []).append(intel["md5"])
        return held

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def run_measured(command: list[str], env: dict, log_path: Path, cwd: Path) -> RunFigures:
    """Run `command` to its end; its wall time (start to exit), its memory, its exit status."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        # Its own session, so a timeout can end the whole tree (ansible forks workers and modules).
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        finished = threading.Event()
        sampler = _TreeSampler(process.pid, finished)
        sampler.start()
        timer = threading.Timer(RUN_TIMEOUT, _end_session, args=(process.pid,))
        timer.start()
        try:
            # wait4, not Popen.wait: its rusage carries the largest RSS of the whole waited-for tree.
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            wall = time.perf_counter() - started
            timer.cancel()
            finished.set()
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    return RunFigures(wall=wall, rss_tree_mb=sampler.peak_sum / 2**20, rss_max_mb=usage.ru_maxrss / 1024,
                      returncode=process.returncode, cpu=usage.ru_utime + usage.ru_stime)


def _end_session(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class _TreeSampler(threading.Thread):
    """Keeps the largest sum of RSS over a process and its descendants, polled until `finished`."""

    def __init__(self, pid: int, finished: threading.Event):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.finished = finished
        self.peak_sum = 0

    def run(self) -> None:
        while not self.finished.is_set():
            total = 0
            try:
                tree = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                tree = []
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass  # ended between listing and reading: normal for short-lived module processes
            self.peak_sum = max(self.peak_sum, total)
            self.finished.wait(SAMPLE_INTERVAL)
