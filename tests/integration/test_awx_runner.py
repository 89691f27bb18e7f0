"""The AWX credential type, proven with the engine AWX runs jobs with: ansible-runner.

AWX turns a credential into the job's environment by rendering its type's injectors, then runs
ansible-playbook through ansible-runner from a private data directory. These tests do the same: the
injectors of extensions/awx/credential_type.yml are rendered as AWX renders them (a Jinja2 sandbox;
empty string fields undefined; booleans False unless set; each file injector written to a file under
env/), env/envvars holds exactly that, and the rollout playbook runs with no connection option
anywhere else. The emulator's journal shows what reached the server.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = REPO / "extensions" / "awx" / "credential_type.yml"
ANSIBLE_RUNNER = Path(sys.executable).parent / "ansible-runner"
CORPUS = REPO / "tests" / "fixtures" / "corpus"
INTEL = [CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc",
         CORPUS / "stix1" / "indicator-for-malicious-url.xml",
         CORPUS / "yara" / "FIN4_MACROCHECK.yara"]
DEPLOY = ("POST", "/plugin/products/threat-response/api/v1/intel/deploy")
LOGIN = "/api/v2/session/login"


def load_credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def inject(credential_type, inputs, private_data_dir):
    """The environment AWX gives a job for one credential (AWX's CredentialType.inject_credential)."""
    namespace = {name: value for name, value in inputs.items() if isinstance(value, bool) or len(value)}
    for field in credential_type["inputs"]["fields"]:
        if field["type"] == "boolean":
            namespace.setdefault(field["id"], False)
    sandbox = ImmutableSandboxedEnvironment()
    tower = SimpleNamespace(filename=SimpleNamespace())
    for label, template in credential_type["injectors"].get("file", {}).items():
        assert label.startswith("template."), "the env injectors refer to files as tower.filename.<name>"
        handle, path = tempfile.mkstemp(dir=private_data_dir / "env")
        with os.fdopen(handle, "w") as file:
            file.write(sandbox.from_string(template).render(**namespace))
        setattr(tower.filename, label.split(".", 1)[1], path)
    return {variable: sandbox.from_string(template).render(tower=tower, **namespace)
            for variable, template in credential_type["injectors"]["env"].items()}


# The two project playbooks of docs/awx.md: a play of the project's own with the role (the intel path
# taken from the project's playbook_dir), and an import of the collection's rollout playbook, which
# needs the intel path from the job's variables as an absolute path.
PROJECT_PLAYBOOKS = {
    "rollout.yml": """\
- name: Roll out the intel in this repository
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: tanium.threat_response.intel_rollout
      vars:
        intel_rollout_path: "{{ playbook_dir }}/intel"
        intel_rollout_purge: true
""",
    "import_rollout.yml": """\
- name: Roll out intel with the collection's playbook
  ansible.builtin.import_playbook: tanium.threat_response.rollout
""",
}


@pytest.fixture
def private_data_dir(tmp_path):
    """An ansible-runner private data directory as AWX lays it out, with the project of docs/awx.md."""
    root = tmp_path / "job"
    for directory in ("env", "inventory", "project/intel"):
        (root / directory).mkdir(parents=True)
    for path in INTEL:
        shutil.copy(path, root / "project" / "intel" / path.name)
    for name, text in PROJECT_PLAYBOOKS.items():
        (root / "project" / name).write_text(text)
    # The execution environment's Python, the one with ansible-core, runs the modules.
    (root / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    return root


def run_job(private_data_dir, envvars, playbook, extravars):
    """ansible-runner as AWX starts it: the credential's environment only in env/envvars."""
    (private_data_dir / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    (private_data_dir / "env" / "extravars").write_text(yaml.safe_dump(dict(extravars, intel_rollout_wait_sleep=1)))
    # No TANIUM_* from the shell running the tests: the injectors alone must connect the modules.
    env = {name: value for name, value in os.environ.items() if not name.startswith("TANIUM_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".build" / "collections")),
        ANSIBLE_LOCAL_TEMP=str(private_data_dir / "tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    completed = subprocess.run([str(ANSIBLE_RUNNER), "run", str(private_data_dir), "-p", playbook, "--ident", "job"],
                               env=env, capture_output=True, text=True, timeout=600, check=False)
    artifacts = private_data_dir / "artifacts" / "job"
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else completed.stdout
    status = (artifacts / "status").read_text().strip() if (artifacts / "status").exists() else "missing"
    return status, stdout + completed.stderr


def api_entries(emulator):
    return [entry for entry in emulator.journal if not entry["path"].startswith("/api/v2/session/")]


def test_unset_fields_inject_empty_values_and_leave_certificate_checks_and_https_on(tmp_path):
    (tmp_path / "env").mkdir()
    envvars = inject(load_credential_type(), {"url": "https://tanium.example.com", "api_token": "token-1"}, tmp_path)
    assert envvars == {
        "TANIUM_URL": "https://tanium.example.com", "TANIUM_API_TOKEN": "token-1", "TANIUM_USERNAME": "",
        "TANIUM_PASSWORD": "", "TANIUM_VALIDATE_CERTS": "true", "TANIUM_ALLOW_HTTP": "false", "TANIUM_CA_PATH": "",
        "TANIUM_TR_API_VERSION": "4"}


def test_rollout_through_ansible_runner_with_an_api_token_credential(emulator, private_data_dir):
    inputs = {"url": emulator.url, "api_token": emulator.api_token,
              "ca_cert": Path(emulator.ca_file).read_text()}
    envvars = inject(load_credential_type(), inputs, private_data_dir)
    assert Path(envvars["TANIUM_CA_PATH"]).parent == private_data_dir / "env"
    assert Path(envvars["TANIUM_CA_PATH"]).read_text() == Path(emulator.ca_file).read_text()

    status, output = run_job(private_data_dir, envvars, "rollout.yml", {})

    assert status == "successful", output
    assert sorted(intel["name"] for intel in emulator.intels()) == [
        "DEMONSTRATING HUSTLE - APT18 (BLOG)", "FIN4_MACROCHECK.yara", "Malicious site hosting downloader"]
    assert DEPLOY in [(entry["method"], entry["path"]) for entry in emulator.writes()]
    assert {entry["auth"] for entry in emulator.journal} == {"api_token"}
    assert emulator.api_token not in output


def test_rollout_through_ansible_runner_with_a_username_and_password_credential(emulator, private_data_dir):
    inputs = {"url": emulator.url, "username": emulator.username, "password": emulator.password,
              "ca_cert": Path(emulator.ca_file).read_text(), "api_version": "4"}
    envvars = inject(load_credential_type(), inputs, private_data_dir)
    assert envvars["TANIUM_API_TOKEN"] == "" and envvars["TANIUM_VALIDATE_CERTS"] == "true"

    # In AWX the project is /runner/project inside the execution environment.
    intel_path = private_data_dir / "project" / "intel"
    status, output = run_job(private_data_dir, envvars, "import_rollout.yml", {"intel_rollout_path": str(intel_path)})

    assert status == "successful", output
    assert len(emulator.intels()) == len(INTEL)
    assert DEPLOY in [(entry["method"], entry["path"]) for entry in emulator.writes()]
    assert ("POST", LOGIN) in [(entry["method"], entry["path"]) for entry in emulator.journal]
    assert {entry["auth"] for entry in api_entries(emulator)} == {"session"}
    assert emulator.password not in output
