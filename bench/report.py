"""From the benchmark's raw records to bench/RESULTS.md (tables, targets) and bench/results.png."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
import platform
import statistics
from pathlib import Path

import psutil

TITLES = {
    "a": "(a) intel_rollout role",
    "s": "(a′) intel_sync task alone",
    "b": "(b) intel task in a loop",
    "c": "(c) uri playbook",
    "d": "(d) requests script",
    "p": "(p) bare parallel script",
    "e": "(e) bound",
}
PHASES = ("cold", "warm", "edited")
MEASURED = ("a", "s", "b", "c", "d", "p")
PARALLEL = 4  # intel_rollout_parallel's default, what the role ran with
PAGE = 500  # the listing page size
BIG = 10000  # the N the targets are checked at


@dataclasses.dataclass
class Cell:
    wall: float
    walls: list
    requests: int
    writes: int
    rss_max_mb: float
    rss_tree_mb: float
    errors: list
    extrapolated: bool = False
    cpu: float = math.nan


def environment_facts(env: dict) -> dict:
    import ansible.release  # the bench venv's ansible-core, the one the contenders run
    import requests

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gib": psutil.virtual_memory().total / 2**30,
        "os": platform.platform(), "python": platform.python_version(), "ansible_core": ansible.release.__version__,
        "requests": requests.__version__, "collection": _collection_version(env["ANSIBLE_COLLECTIONS_PATH"]),
        "collections_path": env["ANSIBLE_COLLECTIONS_PATH"], "load_before": os.getloadavg(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _collection_version(collections_path: str) -> str:
    for root in collections_path.split(os.pathsep):
        collection = Path(root) / "ansible_collections" / "tanium" / "threat_response"
        manifest = collection / "MANIFEST.json"
        if manifest.is_file():
            return json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"] + " (installed)"
        galaxy = collection / "galaxy.yml"
        if galaxy.is_file():
            for line in galaxy.read_text(encoding="utf-8").splitlines():
                if line.startswith("version:"):
                    return line.split(":", 1)[1].strip() + " (work tree)"
    return "unknown"


def summarize(records: list) -> dict:
    """{(contender, n, phase): Cell}: median wall time and requests, largest memory, over the runs."""
    grouped = {}
    for record in records:
        grouped.setdefault((record["contender"], record["n"], record["phase"]), []).append(record)
    cells = {}
    for key, group in grouped.items():
        good = [record for record in group if not record["error"]] or group
        cells[key] = Cell(
            wall=statistics.median(record["wall"] for record in good), walls=[record["wall"] for record in good],
            requests=round(statistics.median(record["requests"] for record in good)),
            writes=round(statistics.median(record["writes"] for record in good)),
            rss_max_mb=max(record["rss_max_mb"] for record in group),
            rss_tree_mb=max(record["rss_tree_mb"] for record in group),
            errors=[record["error"] for record in group if record["error"]],
            cpu=statistics.median(record.get("cpu", math.nan) for record in good))
    return cells


def extrapolate(cells: dict, sizes: tuple) -> None:
    """Fill the one-document-at-a-time contenders' larger sizes from their largest measured N: the time above
    the empty playbook's (the script's: above nothing), and the requests, grow in proportion to N (one module
    run or request and one lookup per document); the edited phase still writes once."""
    empty = cells.get(("empty", 0, "baseline"))
    for contender in ("b", "c", "d"):
        overhead = empty.wall if empty and contender != "d" else 0.0
        for phase in PHASES:
            measured = [n for (key, n, ph), cell in cells.items()
                        if (key, ph) == (contender, phase) and not cell.extrapolated and not cell.errors]
            if not measured:
                continue
            largest = max(measured)
            known = cells[(contender, largest, phase)]
            for size in sizes:
                if size > largest and (contender, size, phase) not in cells:
                    scale = size / largest
                    cells[(contender, size, phase)] = Cell(
                        wall=overhead + (known.wall - overhead) * scale, walls=[],
                        requests=round(known.requests * scale) if phase != "edited" else
                        round((known.requests - known.writes) * scale) + known.writes,
                        writes=known.writes if phase == "edited" else round(known.writes * scale),
                        rss_max_mb=math.nan, rss_tree_mb=math.nan, errors=[], extrapolated=True)


def bound(size: int, phase: str, latency: float, cold_requests: int | None = None) -> float:
    """(e): cold, the requests intel_sync sent (else 2 a document: upload, label) `PARALLEL` at a time; warm,
    one listing pass; edited, the listing and one upload."""
    listing = (size // PAGE + 1) * latency  # a listing ends on an empty page: N=1000 takes three
    if phase == "cold":
        return (cold_requests or 2 * size) * latency / PARALLEL
    return listing + (latency if phase == "edited" else 0)


def _seconds(cell: Cell | None) -> str:
    if cell is None:
        return "—"
    if cell.errors and not cell.walls:
        return "FAILED"
    text = f"~{cell.wall:.0f}" if cell.extrapolated else f"{cell.wall:.2f}"
    return text + (" (!)" if cell.errors else "")


def _ratio(numerator: Cell | None, denominator: Cell | None) -> str:
    if numerator is None or denominator is None or not denominator.wall:
        return "—"
    return f"{'~' if numerator.extrapolated else ''}{numerator.wall / denominator.wall:.1f}×"


def _median_baseline(cells: dict, name: str) -> Cell | None:
    return cells.get((name, 0, "baseline"))


def check_targets(cells: dict, latency: float, size: int = BIG) -> list:
    """[(target, PASS/FAIL/NOT MEASURED, the figures)] for the targets of issues #16 and #25, on intel_sync (a′) at N=`size`."""
    empty, check = _median_baseline(cells, "empty"), cells.get(("check", size, "check"))
    cold, warm, edited = (cells.get(("s", size, phase)) for phase in PHASES)
    warm_1000 = cells.get(("s", 1000, "warm"))
    results = []

    def add(name, cells_needed, passed, figures):
        measured = all(cell is not None and not cell.extrapolated for cell in cells_needed)
        results.append((name, ("PASS" if passed() else "FAIL") if measured else "NOT MEASURED",
                        figures() if measured else None))

    limit = math.ceil(size / PAGE) + 3
    add(f"Warm N={size}: at most ceil(N/500)+3 = {limit} requests, zero writes", [warm],
        lambda: warm.requests <= limit and warm.writes == 0, lambda: f"{warm.requests} requests, {warm.writes} writes")
    add(f"Warm N={size}: wall time at most 4 × the empty playbook's", [warm, empty],
        lambda: warm.wall <= 4 * empty.wall,
        lambda: f"{warm.wall:.2f} s vs 4 × {empty.wall:.2f} s = {4 * empty.wall:.2f} s ({warm.wall / empty.wall:.1f}×)")
    add(f"Warm wall time grows at most 2 × from N=1000 to N={size}", [warm, warm_1000],
        lambda: warm.wall <= 2 * warm_1000.wall,
        lambda: f"{warm_1000.wall:.2f} s → {warm.wall:.2f} s ({warm.wall / warm_1000.wall:.2f}×)")
    add(f"One document edited, N={size}: at most warm + 0.5 s", [edited, warm],
        lambda: edited.wall <= warm.wall + 0.5,
        lambda: f"{edited.wall:.2f} s vs {warm.wall:.2f} + 0.5 = {warm.wall + 0.5:.2f} s; "
                f"{edited.requests} requests, {edited.writes} writes")
    bare = cells.get(("p", size, "cold"))
    add(f"Cold N={size}: at most 1.1 × the bare parallel requests script (p), same run", [cold, bare],
        lambda: cold.wall <= 1.1 * bare.wall,
        lambda: f"{cold.wall:.2f} s vs 1.1 × {bare.wall:.2f} s = {1.1 * bare.wall:.2f} s "
                f"({cold.wall / bare.wall:.2f}×); network bound {bound(size, 'cold', latency, cold.requests):.2f} s")
    peaks = [cells[(key, size, phase)] for key in ("a", "s") for phase in PHASES if (key, size, phase) in cells]
    add(f"N={size}: peak RSS of any process at most 200 MB", peaks or [None],
        lambda: max(cell.rss_max_mb for cell in peaks) <= 200,
        lambda: f"{max(cell.rss_max_mb for cell in peaks):.0f} MB (largest ru_maxrss over the runs of (a) and (a′))")
    add(f"intel_check over {size} files: at most 4 × the empty playbook's", [check, empty],
        lambda: check.wall <= 4 * empty.wall,
        lambda: f"{check.wall:.2f} s vs 4 × {empty.wall:.2f} s = {4 * empty.wall:.2f} s "
                f"({check.wall / empty.wall:.1f}×; peak RSS {check.rss_max_mb:.0f} MB)")
    role, script = cells.get(("a", 1000, "cold")), cells.get(("d", 1000, "cold"))
    add("Cold N=1000: the role at most 0.5 × the requests script (d)", [role, script],
        lambda: role.wall <= 0.5 * script.wall,
        lambda: f"{role.wall:.2f} s vs 0.5 × {script.wall:.2f} s = {0.5 * script.wall:.2f} s "
                f"({role.wall / script.wall:.2f}×)")
    role, uri = cells.get(("a", 200, "cold")), cells.get(("c", 200, "cold"))
    add("Cold N=200: the role at least 20 × faster than the uri playbook (c)", [role, uri],
        lambda: uri.wall >= 20 * role.wall, lambda: f"{uri.wall:.2f} s / {role.wall:.2f} s = {uri.wall / role.wall:.1f}×")
    return results


def render(records: list, plan, context: dict, latency_ms: float) -> str:
    latency = latency_ms / 1000
    cells = summarize(records)
    extrapolate(cells, plan.all_sizes)
    empty, one_module = _median_baseline(cells, "empty"), _median_baseline(cells, "one_module")
    lines = [
        "# Benchmark: the collection against what users would write instead",
        "",
        f"Made by bench/run.py (`make bench`) on {context['date']} in {context['duration'] / 60:.1f} minutes. "
        "How to run it and what each contender is: [README.md](README.md).",
        "",
        f"- Machine: {context['cpu']}, {context['cores']} cores, {context['ram_gib']:.1f} GiB RAM; {context['os']}; "
        f"load average {_load(context['load_before'])} before, {_load(context['load_after'])} after.",
        f"- Versions: Python {context['python']}, ansible-core {context['ansible_core']}, requests "
        f"{context['requests']}, tanium.threat_response {context['collection']} from `{context['collections_path']}`.",
        f"- Emulator: `python -m emulator --latency-ms {latency_ms:g}` (every API response {latency_ms:g} ms late, "
        "like a WAN), a fresh one per (contender, N, run), three phases against it: cold (all N new), warm "
        "(nothing changed), edited (document 1 gained a hash).",
        f"- Runs: {plan.runs} of (a), (a′), (d), (p) and the baselines (2 baseline samples per run); {plan.slow_runs} of (b) and "
        f"(c), at N = {', '.join(map(str, plan.slow_sizes))} only (one module run per document: a 200-document phase takes minutes, and "
        "its time is already the sum of hundreds of module runs). Their larger N are extrapolated (~): the time above "
        "the empty playbook's grows in proportion to N from their largest measured N. Times are medians of "
        "whole-process wall time.",
        f"- (a) runs the role with `intel_rollout_deploy: false` (the others do not deploy) and `parallel: {PARALLEL}` "
        f"(its default). (e) is the network floor: cold the requests (a) sent (2 a document: upload, label) × "
        f"{latency_ms:g} ms / {PARALLEL}; warm one listing pass (N/500 + 1 pages); edited the listing and one upload.",
        f"- (d) runs up to N = {plan.script_max} (one request at a time: N = 10000 would take about 20 minutes a "
        "phase); its larger N are extrapolated (~) in proportion to N. (p) is the cold sync's own requests on one "
        "requests.Session with 4 threads and no Ansible, cold only: what cold (a′) is judged against.",
        f"- Targets (issues #16 and #25) are checked on (a′), the intel_sync task alone, at N = {BIG}, against the empty "
        "playbook of the same run.",
        "- Memory: peak RSS of the largest single process of the tree (`ru_maxrss` from `os.wait4`, exact) and "
        "peak sum of RSS over the tree (psutil polled every 50 ms).",
        "",
        "## Targets",
        "",
        "| target | result | figures |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | **{status}** | {figures or '—'} |" for name, status, figures in check_targets(cells, latency)]
    lines += ["", "## Wall time (seconds)", "",
              f"Baselines: empty playbook {_seconds(empty)} s; one `ansible.builtin.ping` task "
              f"{_seconds(one_module)} s (medians of {len(empty.walls) if empty else 0}).{_check_line(cells)}", "",
              "| phase | N | " + " | ".join(TITLES.values()) + " | b/a | c/a | d/a | a/e |",
              "|---|---:|" + "---:|" * (len(TITLES) + 4)]
    for phase in PHASES:
        for size in plan.all_sizes:
            row = {key: cells.get((key, size, phase)) for key in MEASURED}
            measured_a = row["a"] if row["a"] is not None and not row["a"].extrapolated else None
            floor = bound(size, phase, latency, measured_a.requests if measured_a else None)
            floor_cell = Cell(floor, [floor], 0, 0, 0, 0, [])
            lines.append(f"| {phase} | {size} | " + " | ".join(_seconds(row[key]) for key in MEASURED)
                         + f" | {floor:.2f} | {_ratio(row['b'], row['a'])} | {_ratio(row['c'], row['a'])} | "
                         f"{_ratio(row['d'], row['a'])} | {_ratio(row['a'], floor_cell)} |")
    lines += _cold_against_the_bare_script(cells, plan, latency, one_module)
    lines += ["", "## Requests / writes (from the emulator's journal)", "",
              "| phase | N | " + " | ".join(TITLES[key] for key in MEASURED) + " |", "|---|---:|" + "---:|" * len(MEASURED)]
    for phase in PHASES:
        for size in plan.all_sizes:
            lines.append(f"| {phase} | {size} | " + " | ".join(
                _traffic(cells.get((key, size, phase))) for key in MEASURED) + " |")
    lines += ["", "## Peak memory (MB): largest process / whole tree, over all phases and runs", "",
              "| N | " + " | ".join(TITLES[key] for key in MEASURED) + " |", "|---:|" + "---:|" * len(MEASURED)]
    for size in plan.all_sizes:
        lines.append(f"| {size} | " + " | ".join(_memory(cells, key, size) for key in MEASURED) + " |")
    lines += ["", f"Baselines: empty playbook {_memory(cells, 'empty', 0, ('baseline',))}, one module task "
              f"{_memory(cells, 'one_module', 0, ('baseline',))}.", ""]
    problems = sorted({error for cell in cells.values() for error in cell.errors})
    if problems:
        lines += ["## Failed runs (not counted in the medians)", ""] + [f"- {problem}" for problem in problems] + [""]
    lines += ["![wall time against N for each contender](results.png)", ""]
    return "\n".join(lines)


def _cold_against_the_bare_script(cells: dict, plan, latency: float, one_module: Cell | None) -> list:
    """Cold (a′) against (p) at every N both ran, the network bound beside them, and the CPU each spent per request.

    The module's CPU is (a′)'s whole process tree less the `one_module` baseline's (ansible-playbook and running
    any module), so what is left is intel_sync's own work: the client, requests, urllib3, ssl, and the plan."""
    lines = ["", "## Cold: the collection against the bare parallel script", "",
             "| N | (a′) cold s | (p) cold s | a′/p (target ≤ 1.1) | bound (e) s | a′/e | module CPU per request |"
             " (p) CPU per request |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in plan.all_sizes:
        sync, bare = cells.get(("s", size, "cold")), cells.get(("p", size, "cold"))
        if sync is None or bare is None:
            continue
        floor = bound(size, "cold", latency, sync.requests)
        overhead = one_module.cpu if one_module is not None else math.nan
        lines.append(f"| {size} | {sync.wall:.2f} | {bare.wall:.2f} | {sync.wall / bare.wall:.2f}× | {floor:.2f} | "
                     f"{sync.wall / floor:.2f}× | {_per_request(sync.cpu - overhead, sync.requests)} | "
                     f"{_per_request(bare.cpu, bare.requests)} |")
    return lines


def _per_request(cpu: float, requests: int) -> str:
    return f"{cpu / requests * 1000:.2f} ms ({cpu:.1f} s / {requests})" if requests and not math.isnan(cpu) else "—"


def _check_line(cells: dict) -> str:
    checks = sorted((n, cell) for (key, n, _phase), cell in cells.items() if key == "check")
    return "".join(f" intel_check over {n} files (no server): {_seconds(cell)} s, peak RSS {cell.rss_max_mb:.0f} MB."
                   for n, cell in checks)


def _load(load: tuple) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


def _traffic(cell: Cell | None) -> str:
    if cell is None:
        return "—"
    return f"{'~' if cell.extrapolated else ''}{cell.requests} / {cell.writes}"


def _memory(cells: dict, key: str, size: int, phases=PHASES) -> str:
    found = [cells[(key, size, phase)] for phase in phases if (key, size, phase) in cells]
    found = [cell for cell in found if not cell.extrapolated]
    if not found:
        return "—"
    return f"{max(cell.rss_max_mb for cell in found):.0f} / {max(cell.rss_tree_mb for cell in found):.0f}"


def plot(records: list, plan, path: Path, latency_ms: float) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: draw straight to the PNG
    from matplotlib import pyplot

    cells = summarize(records)
    extrapolate(cells, plan.all_sizes)
    empty = _median_baseline(cells, "empty")
    figure, axes = pyplot.subplots(1, len(PHASES), figsize=(15, 6), sharey=True)
    for axis, phase in zip(axes, PHASES):
        for key, style in zip(MEASURED, ("o-", "v-", "s-", "^-", "D-", "P-")):
            points = sorted((n, cell) for (k, n, ph), cell in cells.items() if k == key and ph == phase)
            measured = [(n, cell.wall) for n, cell in points if not cell.extrapolated]
            guessed = [(n, cell.wall) for n, cell in points if cell.extrapolated]
            if measured:
                line = axis.plot(*zip(*measured), style, label=TITLES[key])[0]
                if guessed:
                    axis.plot(*zip(*([measured[-1]] + guessed)), "--", color=line.get_color(), alpha=0.6,
                              label=f"{TITLES[key]} (extrapolated)")
        sizes = list(plan.all_sizes)
        axis.plot(sizes, [bound(n, phase, latency_ms / 1000) for n in sizes], "k:", label=TITLES["e"])
        if empty:
            axis.axhline(empty.wall, color="grey", linewidth=0.8, label="empty playbook")
        axis.set(title=phase, xscale="log", yscale="log", xlabel="documents (N)")
        axis.set_xticks(sizes, [str(n) for n in sizes])
        axis.minorticks_off()
        axis.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("wall time (s)")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=4, fontsize="small")
    figure.suptitle(f"tanium.threat_response vs. hand-written clients, {latency_ms:g} ms per request")
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def write(records: list, plan, context: dict, markdown_path: Path, png_path: Path, latency_ms: float) -> str:
    text = render(records, plan, context, latency_ms)
    markdown_path.write_text(text, encoding="utf-8")
    plot(records, plan, png_path, latency_ms)
    return text
