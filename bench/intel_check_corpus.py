"""intel_check's analysis over 2,000 published files: this tree against a baseline git ref.

Not part of `make bench`. Copies the real-world corpus (tests/fixtures/realworld) under distinct names
until there are --files intel files, then times the module's per-file work (read, detect, validate,
applicability: `check_file`) in a fresh interpreter for each tree, --runs times, and prints the medians.
The baseline tree is `git archive <ref>` of plugins/, so no checkout is needed:

    python bench/intel_check_corpus.py --baseline 15d6ee0
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "fixtures" / "realworld"
INTEL_EXTENSIONS = (".ioc", ".xml", ".stix", ".yar", ".yara", ".json")
# Run in the child: import the collection from sys.argv[1], check every file listed in sys.argv[2].
CHILD = """
import sys, time
if sys.argv[3] == "hide-yara":
    sys.modules["yara"] = None  # as on a controller without yara-python
sys.path.insert(0, sys.argv[1])
from ansible_collections.tanium.threat_response.plugins.modules.intel_check import check_file
paths = open(sys.argv[2]).read().splitlines()
started = time.perf_counter()
valid = sum(1 for path in paths if check_file(path, 10485760)["valid"])
print(time.perf_counter() - started, valid)
"""


def collection_tree(source: Path, target: Path) -> Path:
    """An importable ansible_collections/tanium/threat_response holding `source`'s plugins/."""
    root = target / "ansible_collections" / "tanium" / "threat_response"
    shutil.copytree(source / "plugins", root / "plugins")
    return target


def baseline_tree(ref: str, target: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "plugins"], check=True, capture_output=True)
    root = target / "ansible_collections" / "tanium" / "threat_response"
    root.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(root, filter="data")
    return target


def file_set(count: int, target: Path) -> Path:
    sources = sorted(path for path in CORPUS.rglob("*") if path.suffix.lower() in INTEL_EXTENSIONS)
    listed = []
    for number in range(count):
        source = sources[number % len(sources)]
        copy = target / f"copy{number // len(sources)}" / source.relative_to(CORPUS)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        listed.append(str(copy))
    file_list = target / "files.txt"
    file_list.write_text("\n".join(listed))
    return file_list


def timed(tree: Path, file_list: Path, runs: int, yara: str = "hide-yara") -> tuple:
    results = [subprocess.run([sys.executable, "-c", CHILD, str(tree), str(file_list), yara], check=True,
                              capture_output=True, text=True).stdout.split() for _run in range(runs)]
    return statistics.median(float(seconds) for seconds, _valid in results), int(results[0][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        file_list = file_set(options.files, scratch / "files")
        current = timed(collection_tree(REPO, scratch / "current"), file_list, options.runs)
        baseline_code = baseline_tree(options.baseline, scratch / "baseline")
        baseline = timed(baseline_code, file_list, options.runs)
        # The baseline also compiled YARA with yara-python when it was installed: that time is shown too.
        with_yara = timed(baseline_code, file_list, 1, "allow-yara") if _has_yara() else None
    print(f"intel_check over {options.files} files, median of {options.runs} runs")
    print(f"  baseline {options.baseline}, without yara-python: {baseline[0]:.2f} s ({baseline[1]} valid)")
    if with_yara:
        print(f"  baseline {options.baseline}, with yara-python:    {with_yara[0]:.2f} s ({with_yara[1]} valid)")
    print(f"  this tree (one verdict either way): {current[0]:.2f} s ({current[1]} valid)")
    print(f"  ratio to the baseline without yara-python: {current[0] / baseline[0]:.2f} (target: under 2)")


def _has_yara() -> bool:
    try:
        import yara  # noqa: F401, PLC0415 - only asks whether the baseline's optional compiler would run
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
