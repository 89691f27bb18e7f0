"""`make bench`: the collection against what users would write instead, on an emulator 20 ms away.

For each N it generates N OpenIOC hash documents and, for each contender, starts a fresh emulator and
runs three phases against it: cold (all new), warm (nothing changed), edited (one document changed).
Each phase is one whole process (ansible-playbook or python), timed from start to exit; the emulator's
journal gives its requests and writes. See bench/README.md for the contenders and the figures.

Environment overrides:
  BENCH_SIZES=50,100,200,1000,10000   the N measured (warm N=1000 is what the growth target compares with)
  BENCH_RUNS=3                  runs of the fast contenders (a, s, d) and of the baselines; cells take the median
  BENCH_SLOW_RUNS=1             runs of the slow contenders (b, c), which loop one module per document
  BENCH_SLOW_SIZES=50,200       the N the slow contenders are run at; larger N are extrapolated
  BENCH_SCRIPT_MAX=1000         the largest N the requests script (d) is run at (one request at a time); larger
                                N are extrapolated
  BENCH_CONTENDERS=a,s,b,c,d,p  which contenders to run
  ANSIBLE_COLLECTIONS_PATH      where tanium.threat_response is installed (default .build/collections)

Writes bench/RESULTS.md and bench/results.png; scratch files (documents, logs, raw.json) go to
bench/results/. A failed target is reported, never an error exit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import generate
import report
from environment import base_environment
from measure import Emulator, RunFigures, run_measured

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CONTENDERS_DIR = BENCH / "contenders"
SCRATCH = BENCH / "results"
LATENCY_MS = 20
PHASES = ("cold", "warm", "edited")
BIN = Path(sys.executable).parent


@dataclasses.dataclass(frozen=True)
class Contender:
    key: str
    file: str  # a playbook, or a Python script (.py) in contenders/
    slow: bool
    phases: tuple = PHASES
    script_max: bool = False  # runs only up to BENCH_SCRIPT_MAX (one request at a time)

    def command(self, documents: Path) -> list[str]:
        if self.file.endswith(".py"):
            return [sys.executable, str(CONTENDERS_DIR / self.file), str(documents)]
        return playbook_command(self.file, {"bench_documents_dir": str(documents)})


CONTENDERS = {
    "a": Contender("a", "rollout.yml", slow=False),
    "s": Contender("s", "sync_task.yml", slow=False),
    "b": Contender("b", "intel_loop.yml", slow=True),
    "c": Contender("c", "uri_playbook.yml", slow=True),
    "d": Contender("d", "requests_sync.py", slow=False, script_max=True),
    # The cold sync's own requests on one requests.Session, 4 threads: what cold (a') is judged against.
    "p": Contender("p", "requests_parallel.py", slow=False, phases=("cold",)),
}
BASELINES = {"empty": "empty.yml", "one_module": "one_module.yml"}


def playbook_command(playbook: str, extra_vars: dict | None = None) -> list[str]:
    command = [str(BIN / "ansible-playbook"), str(CONTENDERS_DIR / playbook)]
    return command + ["-e", json.dumps(extra_vars)] if extra_vars else command


@dataclasses.dataclass(frozen=True)
class Plan:
    sizes: tuple
    runs: int
    slow_runs: int
    slow_sizes: tuple
    contenders: tuple
    script_max: int = 1000

    @classmethod
    def from_environment(cls) -> Plan:
        environ = os.environ
        return cls(sizes=_sizes(environ.get("BENCH_SIZES", "50,100,200,1000,10000")),
                   runs=max(1, int(environ.get("BENCH_RUNS", "3"))),
                   slow_runs=max(1, int(environ.get("BENCH_SLOW_RUNS", "1"))),
                   slow_sizes=_sizes(environ.get("BENCH_SLOW_SIZES", "50,200")),
                   contenders=tuple(environ.get("BENCH_CONTENDERS", ",".join(CONTENDERS)).split(",")),
                   script_max=int(environ.get("BENCH_SCRIPT_MAX", "1000")))

    @property
    def all_sizes(self) -> tuple:
        slow = any(CONTENDERS[key].slow for key in self.contenders if key in CONTENDERS)
        return tuple(sorted(set(self.sizes) | (set(self.slow_sizes) if slow else set())))

    def runs_at(self, contender: Contender, size: int, round_number: int) -> bool:
        if contender.key not in self.contenders:
            return False
        if contender.slow:
            return round_number < self.slow_runs and size in self.slow_sizes
        if contender.script_max:
            return size in self.sizes and size <= self.script_max
        return size in self.sizes


def _sizes(text: str) -> tuple:
    return tuple(sorted(int(size) for size in text.split(",")))


class Bench:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.env = base_environment()
        self.records = []
        self.started = time.monotonic()
        self.tls_dir = SCRATCH / "tls"  # one CA for every emulator: no certificate made per start

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {text}", flush=True)

    def record(self, figures: RunFigures, **where) -> None:
        entry = dict(where, **dataclasses.asdict(figures))
        self.records.append(entry)
        status = f"FAILED ({figures.error})" if figures.error else ""
        self.say(f"{where}: {figures.wall:.2f} s, {figures.requests} requests, {figures.writes} writes, "
                 f"max RSS {figures.rss_max_mb:.0f} MB {status}")

    def baselines(self, round_number: int) -> None:
        for name, playbook in BASELINES.items():
            log = SCRATCH / "logs" / f"baseline-{name}-{round_number}-{len(self.records)}.log"
            figures = run_measured(playbook_command(playbook), self.env, log, cwd=SCRATCH)
            if figures.returncode:
                figures.error = f"exit status {figures.returncode}, see {log}"
            self.record(figures, contender=name, n=0, run=round_number, phase="baseline")

    def check_files(self, size: int, round_number: int) -> None:
        """intel_check over the N documents: no server, only the per-file work (parse, validate, applicability)."""
        log = SCRATCH / "logs" / f"check-{size}-{round_number}.log"
        command = playbook_command("check.yml", {"bench_documents_dir": str(SCRATCH / "documents" / str(size))})
        figures = run_measured(command, self.env, log, cwd=SCRATCH)
        if figures.returncode:
            figures.error = f"exit status {figures.returncode}, see {log}"
        self.record(figures, contender="check", n=size, run=round_number, phase="check")

    def sequence(self, contender: Contender, size: int, round_number: int) -> None:
        """Cold, warm and edited phases against one fresh emulator and a fresh copy of the documents."""
        documents = SCRATCH / "work" / f"{contender.key}-{size}"
        shutil.rmtree(documents, ignore_errors=True)
        shutil.copytree(SCRATCH / "documents" / str(size), documents)
        with Emulator(LATENCY_MS, self.tls_dir) as emulator:
            env = dict(self.env, **emulator.environment())
            for phase in contender.phases:
                if phase == "edited":
                    generate.edit_document(documents, 1)
                log = SCRATCH / "logs" / f"{contender.key}-{size}-{round_number}-{phase}.log"
                figures = run_measured(contender.command(documents), env, log, cwd=SCRATCH)
                figures.requests, figures.writes = emulator.take_journal()
                figures.error = _problem(figures, log, emulator, documents, size)
                self.record(figures, contender=contender.key, n=size, run=round_number, phase=phase)

    def run(self) -> None:
        SCRATCH.mkdir(exist_ok=True)
        shutil.rmtree(SCRATCH / "logs", ignore_errors=True)
        for size in self.plan.all_sizes:
            generate.write_documents(SCRATCH / "documents" / str(size), size)
        for round_number in range(self.plan.runs):
            self.baselines(round_number)
            for size in self.plan.all_sizes:
                for contender in CONTENDERS.values():
                    if self.plan.runs_at(contender, size, round_number):
                        self.sequence(contender, size, round_number)
            self.check_files(max(self.plan.sizes), round_number)
            self.baselines(round_number)


def _problem(figures: RunFigures, log: Path, emulator: Emulator, documents: Path, size: int) -> str | None:
    """Why the phase does not count (the process failed, or the server does not hold the documents), or None."""
    if figures.returncode:
        return f"exit status {figures.returncode}, see {log}"
    held = emulator.intel_md5s()
    wrong = [number for number in range(1, size + 1)
             if held.get(generate.document_name(number)) != [_md5(documents / generate.file_name(number))]]
    if wrong:
        return f"{len(wrong)} documents not held as in the files (first: {wrong[0]})"
    return None


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    raw = SCRATCH / "raw.json"
    if argv == ["--report-only"]:
        # Layout changes without measuring again: the last run's records, plan and machine facts.
        saved = json.loads(raw.read_text(encoding="utf-8"))
        plan = Plan(**{key: tuple(value) if isinstance(value, list) else value
                       for key, value in saved["plan"].items()})
        context, records = saved["context"], saved["records"]
    else:
        plan = Plan.from_environment()
        bench = Bench(plan)
        bench.say(f"plan: {plan}")
        context = report.environment_facts(bench.env)
        bench.run()
        context["duration"] = time.monotonic() - bench.started
        context["load_after"] = os.getloadavg()
        records = bench.records
        raw.write_text(json.dumps(dict(plan=dataclasses.asdict(plan), context=context, records=records), indent=1),
                       encoding="utf-8")
    print(report.write(records, plan, context, BENCH / "RESULTS.md", BENCH / "results.png", LATENCY_MS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
