"""Run `ansible-test sanity` for one ansible-core venv, with no host but PyPI.

Usage: run.py --venv .venv/py311 [--python 3.11] [--test NAME ...] [--skip-test NAME ...]

1. ansible-test bootstraps pip in every test venv with a get-pip script fetched from a
   host these machines cannot reach; we save our own bootstrap (ensurepip, then pip from
   PyPI) under every cache name that ansible-core version looks for.
2. ansible-test needs the collection at ansible_collections/<namespace>/<name>, so we
   mirror the files git would track (tracked + untracked-but-not-ignored) into
   .build/sanity/<core-version>/ and give the copy its own `git init`: ansible-test lists
   content with `git ls-files` from the nearest .git, which otherwise is the outer repo.
3. Run ansible-test from the copy and exit with its status.

Standard library only: it runs under whichever venv python the Makefile picks.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP_CACHE = Path.home() / ".ansible" / "test" / "cache"

# Saved as ~/.ansible/test/cache/get_pip_<version>.py; ansible-test runs it (via runpy, as
# __main__) inside a venv created --without-pip, with pip's install arguments in argv.
PIP_BOOTSTRAP = '''\
"""Stand-in for get-pip.py, written by tests/sanity/run.py.

ansible-test downloads get-pip.py from a host this machine cannot reach: bootstrap pip
from the interpreter's bundled wheel, then install the pinned versions from PyPI.
"""
import subprocess
import sys

# get-pip.py's own opt-out flags, which pip install rejects.
OPT_OUTS = ("--no-setuptools", "--no-wheel")
args = [arg for arg in sys.argv[1:] if arg not in OPT_OUTS]

pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
subprocess.run([sys.executable, "-m", "ensurepip"], check=True, stdout=subprocess.DEVNULL)
subprocess.run(pip + ["install", "--quiet"] + args, check=True)
# Before Python 3.12 ensurepip also installs setuptools, which get-pip.py --no-setuptools leaves out.
if "--no-setuptools" in sys.argv and sys.version_info < (3, 12):
    subprocess.run(pip + ["uninstall", "--yes", "--quiet", "setuptools"], check=True)
'''

# Directories inside the copy that belong to the copy itself, never to the source tree.
COPY_OWNED = (".git", "tests/output")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", required=True, type=Path, help="venv holding ansible-core")
    parser.add_argument("--python", help="Python version for the test venvs (default: the venv's)")
    parser.add_argument("--test", action="append", default=[], help="run only this sanity test")
    parser.add_argument("--skip-test", action="append", default=[], help="skip this sanity test")
    return parser.parse_args(argv)


def venv_facts(venv: Path) -> tuple[str, str, Path]:
    """Return (ansible-core version, python X.Y, ansible_test package dir) of the venv."""
    probe = (
        "import sys, ansible.release, ansible_test, os;"
        "print(ansible.release.__version__);"
        "print('%d.%d' % sys.version_info[:2]);"
        "print(os.path.dirname(ansible_test.__file__))"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    return out[0], out[1], Path(out[2])


def wanted_pip_versions(ansible_test_dir: Path) -> set[str]:
    """pip versions this ansible-test bootstraps (default and per-Python overrides)."""
    source = (ansible_test_dir / "_internal" / "python_requirements.py").read_text()
    versions = set(re.findall(r"\bpip\s*=\s*'([0-9][0-9.]*)'", source))
    if not versions:
        sys.exit(f"run.py: no pip version found in {ansible_test_dir}; ansible-test changed layout")
    return versions


def install_pip_bootstrap(versions: set[str]) -> None:
    """Write the bootstrap under each cache name (get_pip_24_2.py for pip 24.2); idempotent."""
    BOOTSTRAP_CACHE.mkdir(parents=True, exist_ok=True)
    for version in sorted(versions):
        path = BOOTSTRAP_CACHE / f"get_pip_{version.replace('.', '_')}.py"
        if not path.exists() or path.read_text() != PIP_BOOTSTRAP:
            # Write then rename, so a run going on in parallel never reads half a script.
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            partial.write_text(PIP_BOOTSTRAP)
            partial.replace(path)


def collection_files(repo: Path) -> list[str]:
    """Files git tracks plus untracked files it does not ignore, minus deleted ones."""
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, capture_output=True, text=True,
    ).stdout
    return sorted({name for name in listing.split("\0") if name and is_content_file(repo / name)})


def is_content_file(path: Path) -> bool:
    # A directory here is a submodule, which the collection does not have; symlinks are copied as-is.
    return path.is_symlink() or path.is_file()


def is_copy_owned(relative: str) -> bool:
    return any(relative == owned or relative.startswith(owned + "/") for owned in COPY_OWNED)


def same_file(source: Path, target: Path) -> bool:
    if not target.is_file() or target.is_symlink() != source.is_symlink():
        return False
    a, b = source.lstat(), target.lstat()
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns  # copy2 keeps mtime_ns


def copy_contents(copy: Path) -> list[tuple[str, list[str]]]:
    """(directory, file names) of the copy, deepest first, never entering the directories the copy owns."""
    walked = []
    for directory, subdirs, names in os.walk(copy):
        relative = Path(directory).relative_to(copy).as_posix()
        subdirs[:] = [d for d in subdirs if not is_copy_owned((Path(relative) / d).as_posix())]
        walked.append((relative, names))
    return walked[::-1]


def mirror(repo: Path, files: list[str], copy: Path) -> None:
    """Make `copy` hold exactly `files` from `repo`, keeping its .git and tests/output.

    Keeping tests/output matters: ansible-test --venv keeps its controller venv there.
    """
    wanted = set(files)
    copy.mkdir(parents=True, exist_ok=True)
    for relative, names in copy_contents(copy):
        directory = copy / relative
        for name in names:
            if (directory / name).relative_to(copy).as_posix() not in wanted:
                (directory / name).unlink()
        if relative != "." and not any(directory.iterdir()):
            directory.rmdir()
    for relative in files:
        source, target = repo / relative, copy / relative
        if same_file(source, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.copy2(source, target, follow_symlinks=False)


def ensure_own_git(copy: Path) -> None:
    """Give the copy its own repository so ansible-test lists exactly the mirrored files."""
    if not (copy / ".git").exists():
        subprocess.run(["git", "init", "-q", str(copy)], check=True)
    # Belt and braces: ansible-test's own results must never count as collection content,
    # even if the collection's .gitignore stops listing them.
    (copy / ".git" / "info").mkdir(exist_ok=True)
    (copy / ".git" / "info" / "exclude").write_text("tests/output/\n")


def galaxy_name(repo: Path) -> tuple[str, str]:
    """(namespace, name) from galaxy.yml, read without a YAML parser (stdlib only)."""
    text = (repo / "galaxy.yml").read_text()
    fields = dict(re.findall(r"^(namespace|name):\s*['\"]?([A-Za-z0-9_]+)", text, re.MULTILINE))
    return fields["namespace"], fields["name"]


def run_ansible_test(venv: Path, copy: Path, python: str, tests: list[str], skips: list[str]) -> int:
    command = [str(venv / "bin" / "ansible-test"), "sanity", "--venv", "--python", python, "--color", "no"]
    command += [arg for test in tests for arg in ("--test", test)]
    command += [arg for test in skips for arg in ("--skip-test", test)]
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               VIRTUAL_ENV=str(venv))
    print("run.py:", " ".join(command), f"(in {copy})", flush=True)
    return subprocess.call(command, cwd=copy, env=env)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    venv = args.venv.resolve()
    started = time.monotonic()
    core_version, venv_python, ansible_test_dir = venv_facts(venv)
    python = args.python or venv_python
    install_pip_bootstrap(wanted_pip_versions(ansible_test_dir))
    namespace, name = galaxy_name(REPO_ROOT)
    copy = REPO_ROOT / ".build" / "sanity" / core_version / "ansible_collections" / namespace / name
    mirror(REPO_ROOT, collection_files(REPO_ROOT), copy)
    ensure_own_git(copy)
    status = run_ansible_test(venv, copy, python, args.test, args.skip_test)
    verdict = "passed" if status == 0 else f"FAILED (exit {status})"
    print(f"sanity ansible-core {core_version} python {python}: {verdict} "
          f"in {time.monotonic() - started:.0f}s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
