"""Integration fixtures: run ansible-playbook with the installed collection against the emulator."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ANSIBLE_BIN = Path(sys.executable).parent


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list = field(default_factory=list)

    def _named(self, name):
        """Entries of the task with that name; role tasks match without their "role : " prefix."""
        return [entry for entry in self.results if entry["task"] == name or entry["task"].endswith(f" : {name}")]

    def task(self, name):
        """The result of the task with that name (the last one, if it ran in a loop)."""
        matches = self._named(name)
        assert matches, f"task {name!r} did not run; ran: {[entry['task'] for entry in self.results]}\n{self.stdout}"
        return matches[-1]["result"]

    def status(self, name):
        """"ok", "failed" (also when errors are ignored), "skipped" or "unreachable"."""
        return self._named(name)[-1]["status"]

    @property
    def output(self):
        return self.stdout + self.stderr


@pytest.fixture
def ansible_env(emulator, tmp_path):
    """Environment for ansible-playbook: the installed collection and the emulator's connection vars."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".build" / "collections")),
        ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="result_file",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        # Modules run with the test venv's Python (the one with ansible-core), whatever the inventory says.
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        TANIUM_URL=emulator.url,
        TANIUM_API_TOKEN=emulator.api_token,
        TANIUM_CA_PATH=emulator.ca_file,
    )
    return env


@pytest.fixture
def run_playbook(ansible_env, tmp_path):
    """run_playbook(tasks, check=False, diff=False, args=(), env=None, vars=None) -> PlaybookRun.

    `tasks` is a list of task dicts (or a path to a playbook file); the play runs on localhost.
    """
    counter = iter(range(1000))

    def run(tasks, check=False, diff=False, args=(), env=None, play_vars=None):
        number = next(counter)
        if isinstance(tasks, (str, Path)):
            playbook = Path(tasks)
        else:
            playbook = tmp_path / f"playbook-{number}.yml"
            play = {"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}
            if play_vars:
                play["vars"] = play_vars
            playbook.write_text(json.dumps([play], indent=1))
        result_file = tmp_path / f"results-{number}.json"
        command = [str(ANSIBLE_BIN / "ansible-playbook"), str(playbook), *args]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        full_env = dict(ansible_env, RESULT_FILE=str(result_file), **(env or {}))
        completed = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=600, check=False,
                                   cwd=tmp_path)
        results = json.loads(result_file.read_text()) if result_file.exists() else []
        return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results)

    return run
