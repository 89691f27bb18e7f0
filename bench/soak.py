"""Soak: interrupt rollouts at random and overlap them, then check that one clean run puts the server right.

    .venv/py311/bin/python bench/soak.py [--rounds 20] [--documents 500] [--overlap-documents 650]

Not a timed test (minutes, and random): run it by hand after changing the engine, and copy its last
line into docs/reliability.md. Against one emulator (`python -m emulator`, a separate process):

1. `--rounds` times: change the set (a random window of `--documents` document numbers, so some
   documents are new and some gone, and a random tenth of them edited), start the collection's
   rollout playbook (the intel_rollout role: purge, deploy) over it and kill -9 its whole process tree
   after a random moment (so creates, labels, updates, deletes and the deploy are each cut at some point);
2. start three rollouts of `--overlap-documents` documents at the same moment and let them finish;
3. run one more rollout, uninterrupted, of the same `--overlap-documents` documents.

Then counts, on the server: duplicates (an identity held more than once), stale documents (content not
the file's), orphans (documents not in the set, or without the managed label) and undeployed documents
(updated after their last deployment). All four must be 0. Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import generate
from environment import base_environment

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SCRATCH = BENCH / "results"
BIN = Path(sys.executable).parent
MANAGED = "managed-by-ansible"
# As plugins/module_utils/_api/records.py: a deployment touches updatedAt just after stamping the document.
DEPLOYMENT_TOUCHES_UPDATED_AT = datetime.timedelta(seconds=2)
# The collection's own rollout playbook (playbooks/rollout.yml), as users run it: purge, deploy and wait.
PLAYBOOK = "tanium.threat_response.rollout"
ROLLOUT_VARS = dict(intel_rollout_purge=True, intel_rollout_wait=True, intel_rollout_wait_sleep=1)


class Emulator:
    """`python -m emulator` from tests/, read through its JSON ready line and control API (standard library only)."""

    def __init__(self, tls_dir: Path):
        command = [sys.executable, "-m", "emulator", "--deploy-delay", "0.5", "--tls-dir", str(tls_dir)]
        self.process = subprocess.Popen(command, cwd=REPO / "tests", stdout=subprocess.PIPE, text=True)
        self.ready = json.loads(self.process.stdout.readline())
        self._context = ssl.create_default_context(cafile=self.ready["ca_file"])

    def environment(self) -> dict:
        return {"TANIUM_URL": self.ready["url"], "TANIUM_API_TOKEN": self.ready["api_token"],
                "TANIUM_CA_PATH": self.ready["ca_file"]}

    def state(self) -> dict:
        with urllib.request.urlopen(self.ready["control"] + "/state", context=self._context, timeout=60) as answer:
            return json.loads(answer.read())

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def churn(directory: Path, count: int, rng: random.Random) -> None:
    """A new set in `directory`: a random window of `count` numbers, a random tenth of them edited."""
    for path in directory.glob("*.ioc"):
        path.unlink()
    first = rng.randint(1, count // 5 + 1)
    for number in range(first, first + count):
        edited = rng.random() < 0.1
        (directory / generate.file_name(number)).write_text(generate.render(number, edited=edited), encoding="utf-8")


def start_rollout(documents: Path, env: dict, log: Path) -> subprocess.Popen:
    """ansible-playbook in its own session, so the whole process tree can be killed at once."""
    extra_vars = json.dumps(dict(ROLLOUT_VARS, intel_rollout_path=str(documents)))
    command = [str(BIN / "ansible-playbook"), PLAYBOOK, "-e", extra_vars]
    with open(log, "wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def kill_tree(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def expected_md5s(documents: Path) -> dict:
    """{document name: md5 of its file}: what the server must hold."""
    return {generate.document_name(int(path.stem.split("-")[1])): hashlib.md5(path.read_bytes()).hexdigest()
            for path in documents.glob("*.ioc")}


def check(state: dict, expected: dict) -> dict:
    """The four counts of the promise, from the emulator's state."""
    managed = {label["id"] for label in state["labels"] if label["name"].casefold() == MANAGED}
    held = {}
    for intel in state["intels"]:
        held.setdefault(intel["name"], []).append(intel)
    duplicates = sum(len(copies) - 1 for copies in held.values() if len(copies) > 1)
    stale = sum(1 for name, copies in held.items() if name in expected
                and any(intel["md5"] != expected[name] for intel in copies))
    orphans = sum(1 for intel in state["intels"]
                  if intel["name"] not in expected or not managed & set(intel.get("labelIds") or ()))
    missing = sum(1 for name in expected if name not in held)
    undeployed = sum(1 for intel in state["intels"] if not _deployed(intel))
    return dict(duplicates=duplicates, stale=stale, orphans=orphans, missing=missing, undeployed=undeployed)


def _deployed(intel: dict) -> bool:
    deployed_at = _timestamp(intel.get("lastDeploymentTimestamp"))
    updated_at = _timestamp(intel.get("updatedAt"))
    return deployed_at is not None and (updated_at is None or updated_at <= deployed_at + DEPLOYMENT_TOUCHES_UPDATED_AT)


def _timestamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--overlap-documents", type=int, default=650)
    parser.add_argument("--max-kill-after", type=float, default=8.0, help="kill within this many seconds")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    work = SCRATCH / "soak"
    work.mkdir(parents=True, exist_ok=True)
    small, large = work / "small", work / "large"
    small.mkdir(exist_ok=True)
    generate.write_documents(large, args.overlap_documents)
    env = base_environment()
    started = time.monotonic()

    def say(text):
        print(f"[{time.monotonic() - started:7.1f}s] {text}", flush=True)

    with Emulator(work / "tls") as emulator:
        env.update(emulator.environment())
        for number in range(1, args.rounds + 1):
            churn(small, args.documents, rng)
            after = rng.uniform(0.5, args.max_kill_after)
            process = start_rollout(small, env, work / f"round-{number}.log")
            try:
                process.wait(timeout=after)
                say(f"round {number}: finished before the kill at {after:.1f} s (status {process.returncode})")
            except subprocess.TimeoutExpired:
                kill_tree(process)
                say(f"round {number}: killed after {after:.1f} s")
        overlapping = [start_rollout(large, env, work / f"overlap-{index}.log") for index in range(3)]
        say("three overlapping rollouts: status " + ", ".join(str(process.wait()) for process in overlapping))
        before = check(emulator.state(), expected_md5s(large))
        say("before the clean run: " + ", ".join(f"{value} {name}" for name, value in before.items()))
        final = start_rollout(large, env, work / "final.log")
        status = final.wait()
        say(f"clean run: status {status}")
        counts = check(emulator.state(), expected_md5s(large))
    verdict = "PASS" if status == 0 and not any(counts.values()) else "FAIL"
    say(f"{verdict}: {args.rounds} killed rounds of {args.documents} documents, 3 overlapping rollouts of "
        f"{args.overlap_documents}, one clean run: " + ", ".join(f"{value} {name}" for name, value in counts.items()))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
