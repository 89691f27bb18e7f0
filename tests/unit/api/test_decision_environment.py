"""The decision environment example: a definition ansible-builder accepts, with the rulebook engine's needs."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
EXAMPLE = REPO / "docs" / "examples" / "decision-environment.yml"


def test_decision_environment_example_builds_a_context_with_rulebook_java_and_the_collection(tmp_path):
    tarball = f"tanium-threat_response-{wire.COLLECTION_VERSION}.tar.gz"
    definition = yaml.safe_load(EXAMPLE.read_text())
    assert [entry["src"] for entry in definition["additional_build_files"]] == [tarball]
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    (tmp_path / tarball).write_bytes(b"")  # `create` only copies the tarball into the build context
    subprocess.run([str(BIN / "ansible-builder"), "create", "--file", EXAMPLE.name, "--context", "context",
                    "--output-filename", "Containerfile"], cwd=tmp_path, capture_output=True, timeout=300, check=True)
    build = tmp_path / "context" / "_build"
    assert yaml.safe_load((build / "requirements.yml").read_text())["collections"] == [
        {"name": f"/build/collections/{tarball}", "type": "file"}]
    assert "ansible-rulebook" in (build / "requirements.txt").read_text()
    assert "java-17-openjdk-headless" in (build / "bindep.txt").read_text()
