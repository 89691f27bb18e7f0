"""The collection as the ecosystem sees it: execution environment metadata, action group, version."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COLLECTIONS_ROOT = REPO / ".build" / "pythonpath"  # ansible_collections/tanium/threat_response -> REPO (conftest)
GROUP = "tanium.threat_response.all"


def module_names():
    return sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_"))


def module_docs():
    """Every module's documentation with its doc fragments merged, as ansible-doc shows it."""
    names = [f"tanium.threat_response.{name}" for name in module_names()]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_NOCOLOR="1")
    completed = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", "--json", *names], env=env,
                               capture_output=True, text=True, timeout=300, check=True)
    return {fqcn.rsplit(".", 1)[1]: entry["doc"] for fqcn, entry in json.loads(completed.stdout).items()}


def test_introspect_of_the_built_collection_finds_requests_and_no_system_dependency(tmp_path):
    # The collection as users get it: built into a tarball (galaxy.yml's build_ignore applied), then unpacked
    # where ansible-builder reads ansible_collections/<namespace>/<name>/meta/execution-environment.yml.
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
                   capture_output=True, timeout=300, check=True)
    collection = tmp_path / "ansible_collections" / "tanium" / "threat_response"
    collection.mkdir(parents=True)
    with tarfile.open(tmp_path / f"tanium-threat_response-{wire.COLLECTION_VERSION}.tar.gz") as tarball:
        tarball.extractall(collection, filter="data")
    completed = subprocess.run([str(BIN / "ansible-builder"), "introspect", "--sanitize", str(tmp_path)],
                               capture_output=True, text=True, timeout=300, check=True)
    found = yaml.safe_load(completed.stdout)
    # requests is the transport; urllib3 from 2.6 bounds decompression. Nothing else, and no system package.
    assert found["python"] == ["requests>=2.32,<3  # from collection tanium.threat_response",
                               "urllib3>=2.6,<3  # from collection tanium.threat_response"]
    assert found["system"] == []


def test_execution_environment_example_is_a_definition_ansible_builder_accepts(tmp_path):
    example = REPO / "docs" / "examples" / "execution-environment.yml"
    tarball = f"tanium-threat_response-{wire.COLLECTION_VERSION}.tar.gz"
    assert [entry["src"] for entry in yaml.safe_load(example.read_text())["additional_build_files"]] == [tarball]
    shutil.copy(example, tmp_path / example.name)
    # Stands in for the `ansible-galaxy collection build` tarball: `create` only copies it into the context.
    (tmp_path / tarball).write_bytes(b"")
    # `create` writes the build context without a container engine (there is none here to `build` with).
    subprocess.run([str(BIN / "ansible-builder"), "create", "--file", example.name, "--context", "context",
                    "--output-filename", "Containerfile"], cwd=tmp_path, capture_output=True, timeout=300, check=True)
    context = tmp_path / "context"
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": f"/build/collections/{tarball}", "type": "file"}]
    assert (context / "_build" / "collections" / tarball).is_file()
    assert "COPY _build /build" in (context / "Containerfile").read_text()


def test_collection_metadata_names_requirements_txt_as_its_one_python_list():
    assert yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())["dependencies"] == {
        "python": "requirements.txt"}
    assert not (REPO / "meta" / "ee-requirements.txt").exists()
    assert not (REPO / "bindep.txt").exists()


def test_action_group_lists_exactly_the_modules_documented_in_it():
    docs = module_docs()
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["all"]
    documented_in_group = sorted(name for name, doc in docs.items()
                                 if GROUP in doc.get("attributes", {}).get("action_group", {}).get("membership", []))
    assert group == sorted(group), "meta/runtime.yml lists the group's modules in sorted order"
    assert group == documented_in_group
    for name in set(module_names()) - set(group):
        notes = " ".join(docs[name].get("notes", []))
        assert "not in the action group" in notes, f"{name} is outside the action group and its notes must say so"


def test_galaxy_version_is_the_version_the_client_reports():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert galaxy["version"] == wire.COLLECTION_VERSION
    assert wire.USER_AGENT.endswith(f"/{galaxy['version']}")
