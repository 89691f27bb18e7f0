"""intel_check through ansible-playbook: local analysis only, so the emulator must never hear from it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
HANDWRITTEN = REPO / "tests" / "fixtures" / "handwritten"
APT12 = CORPUS / "openioc" / "APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc"
APT28 = CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc"
COBALT = CORPUS / "openioc" / "POTENTIAL COBALT STRIKE PROFILE (FAMILY).ioc"
VALID_DESPITE_THE_NAME = {"wrong-extension_openioc-named.json", "wrong-extension_stix1-xml-named.yar",
                          "wrong-extension_yara-rule-named.ioc"}


def check_task(task_name, **options):
    return {"name": task_name, "tanium.threat_response.intel_check": options}


INTEL_EXTENSIONS = (".ioc", ".xml", ".stix", ".yar", ".yara", ".json")


def corpus_files():
    """What intel_check should find under the corpus: files with intel extensions (not README.md,
    SOURCES.md, SHA256SUMS or the licence texts), hidden ones (.gitattributes) left out."""
    return sorted(str(path) for path in CORPUS.rglob("*")
                  if path.is_file() and path.suffix.lower() in INTEL_EXTENSIONS
                  and not any(part.startswith(".") for part in path.relative_to(CORPUS).parts))


def by_path(result):
    return {entry["path"]: entry for entry in result["documents"]}


def test_whole_corpus_is_analysed_without_a_server_one_summary_line_per_document(emulator, run_playbook):
    run = run_playbook([check_task("check", src=str(CORPUS), fail_on="never", details="all"),
                        check_task("findings", src=str(CORPUS), fail_on="never")])
    assert run.rc == 0, run.output
    result = run.task("check")
    assert result["changed"] is False
    assert [entry["path"] for entry in result["documents"]] == corpus_files()
    assert len(result["msg"]) == len(result["documents"])
    documents = by_path(result)

    apt12 = documents[str(APT12)]
    assert (apt12["type"], apt12["type_version"], apt12["valid"], apt12["error"]) == ("openioc", "1.0", True, None)
    assert apt12["intrinsic_id"] == "2384c8ce-6eca-4d06-8aa4-151b53d9a6bc"
    assert {key: apt12["applicability"][key] for key in ("known", "probable", "unknown")} == {
        "known": 16, "probable": 5, "unknown": 4}
    assert f"{APT12}: 16 known, 5 probable, 4 unknown item(s); unknown: Email/From, FileItem/PEInfo/PETimeStamp" in (
        result["msg"])
    url_terms = [finding for finding in documents[str(COBALT)]["applicability"]["findings"]
                 if finding["term"].startswith("urlMonitorEvent/")]
    assert url_terms and {finding["level"] for finding in url_terms} == {"unknown"}

    for path in (CORPUS / "stix2").iterdir():
        entry = documents[str(path)]
        assert (entry["valid"], entry["type"], entry["applicability"]) == (False, None, None)
        assert "STIX 2" in entry["error"]
        assert f"{path}: invalid: {entry['error']}" in result["msg"]
    for path in (CORPUS / "invalid").iterdir():
        assert documents[str(path)]["valid"] is (path.name in VALID_DESPITE_THE_NAME), path.name

    summary = result["summary"]
    assert summary["documents"] == len(corpus_files()) == summary["valid"] + summary["invalid"]
    assert summary["known"] == sum(entry["applicability"]["known"] for entry in documents.values() if entry["valid"])
    assert summary["with_unknown_terms"] == sum(
        1 for entry in documents.values() if entry["valid"] and entry["applicability"]["unknown"])

    # By default only what needs a look is listed (invalid, or terms that are not known); all are counted.
    findings = run.task("findings")
    assert findings["documents"] == [entry for entry in result["documents"]
                                     if not entry["valid"] or entry["applicability"]["findings"]]
    assert str(APT28) not in {entry["path"] for entry in findings["documents"]}  # 14 known items only
    assert len(findings["msg"]) == len(findings["documents"]) < len(result["documents"])
    assert findings["summary"] == summary
    assert emulator.journal == []


def test_invalid_documents_fail_the_task_by_default_but_every_document_is_still_reported(emulator, run_playbook):
    run = run_playbook([check_task("check", src=str(CORPUS / "stix2"), paths=[str(APT28)], details="all")])
    assert run.status("check") == "failed"
    result = run.task("check")
    assert result["msg"].startswith("5 of 6 intel documents are invalid (fail_on=invalid); ")
    assert all(f"{path}: invalid: is STIX 2." in result["msg"] for path in (CORPUS / "stix2").iterdir())
    assert str(APT28) not in result["msg"]
    assert by_path(result)[str(APT28)]["applicability"]["known"] == 14
    assert emulator.journal == []


def test_fail_on_unknown_fails_only_for_documents_with_unknown_terms(emulator, run_playbook):
    signal = HANDWRITTEN / "signal_rundll32.json"
    run = run_playbook([
        check_task("known only", paths=[str(APT28), str(signal)], fail_on="unknown"),
        dict(check_task("with unknown terms", paths=[str(APT28), str(COBALT)], fail_on="unknown"), ignore_errors=True),
    ])
    assert run.status("known only") == "ok", run.output
    assert run.task("known only")["summary"]["with_unknown_terms"] == 0
    assert run.status("with unknown terms") == "failed"
    assert run.task("with unknown terms")["msg"].startswith(
        "1 of 2 intel documents are invalid or have terms of level unknown (fail_on=unknown); "
        f"{COBALT}: 0 known, 0 probable, 41 unknown item(s); unknown: imageLoadEvent/fileName")
    assert emulator.journal == []


def test_relative_src_is_found_beside_the_playbook_and_check_mode_gives_the_same_report(
        emulator, run_playbook, tmp_path):
    intel = tmp_path / "intel"
    (intel / "yara").mkdir(parents=True)
    shutil.copy(HANDWRITTEN / "applicability_console_import.yar", intel / "yara" / "console.yar")
    shutil.copy(APT28, intel / "apt28.ioc")
    (intel / ".hidden.yar").write_text("not intel")
    tasks = [check_task("check", src="intel", fail_on="never", details="all")]
    run, checked = run_playbook(tasks), run_playbook(tasks, check=True)
    assert run.rc == 0 == checked.rc, run.output
    result = run.task("check")
    assert [os.path.relpath(entry["path"], intel) for entry in result["documents"]] == ["apt28.ioc", "yara/console.yar"]
    console = result["documents"][1]
    assert (console["name"], console["applicability"]["unknown"]) == ("console.yar", 2)
    assert console["applicability"]["findings"][0]["term"] == 'import "console"'
    assert checked.task("check")["documents"] == result["documents"]
    assert emulator.journal == []


def test_connection_defaults_for_the_action_group_do_not_reach_intel_check(emulator, run_playbook, tmp_path):
    playbook = tmp_path / "group-defaults.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  connection: local\n"
        "  module_defaults:\n    group/tanium.threat_response.all:\n      url: https://127.0.0.1:9\n"
        "      api_token: unused\n"
        f"  tasks:\n    - name: check\n      tanium.threat_response.intel_check:\n        src: '{APT28}'\n")
    run = run_playbook(playbook)
    assert run.rc == 0, run.output
    assert run.task("check")["summary"] == {"documents": 1, "valid": 1, "invalid": 0, "with_unknown_terms": 0,
                                            "known": 14, "probable": 0, "unknown": 0}
    assert emulator.journal == []


def test_patterns_and_excludes_pick_files_and_symlinked_directories_are_followed_once(
        emulator, run_playbook, tmp_path):
    rules = tmp_path / "rules"
    (rules / "apt").mkdir(parents=True)
    shutil.copy(APT28, rules / "apt" / "apt28.ioc")
    shutil.copy(APT12, rules / "apt" / "apt12.IOC")
    (rules / "README.md").write_text("# Not intel: a rule directory's read-me\n")
    (rules / "hashes.csv").write_text("md5\n0123456789abcdef0123456789abcdef\n")
    (rules / "linked").symlink_to(CORPUS / "yara", target_is_directory=True)
    (rules / "apt" / "loop").symlink_to(rules, target_is_directory=True)  # a loop: read once
    run = run_playbook([check_task("defaults", src=str(rules), fail_on="never", details="all"),
                        check_task("chosen", src=str(rules), patterns="*.ioc", excludes=["apt12*"], details="all")])
    assert run.rc == 0, run.output
    found = [entry["path"] for entry in run.task("defaults")["documents"]]
    assert found == sorted([str(rules / "apt" / "apt12.IOC"), str(rules / "apt" / "apt28.ioc")]
                           + [str(rules / "linked" / path.name) for path in (CORPUS / "yara").iterdir()])
    assert [entry["path"] for entry in run.task("chosen")["documents"]] == [str(rules / "apt" / "apt28.ioc")]
    assert emulator.journal == []


def test_neither_src_nor_paths_is_an_error_before_anything_runs(emulator, run_playbook):
    run = run_playbook([check_task("check", fail_on="never")])
    assert run.status("check") == "failed"
    assert run.task("check")["msg"] == "one of the following is required: src, paths"
    assert emulator.journal == []


def test_ansible_doc_renders_intel_check(ansible_env):
    completed = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "--json",
                                "tanium.threat_response.intel_check"],
                               env=ansible_env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    doc = json.loads(completed.stdout)["tanium.threat_response.intel_check"]
    assert set(doc["doc"]["options"]) == {
        "src", "paths", "patterns", "excludes", "max_size", "fail_on", "details"}
    assert "action_group" not in doc["doc"]["attributes"]
    assert {"documents", "summary", "msg"} <= set(doc["return"])


def test_the_check_runs_in_the_controller_process_without_starting_a_module(emulator, run_playbook):
    # Started as a module, the check would need this interpreter and fail; the action plugin checks itself.
    run = run_playbook([check_task("check", src=str(APT28), details="all")],
                       play_vars={"ansible_python_interpreter": "/nonexistent/python3"})
    assert run.rc == 0, run.output
    assert [entry["name"] for entry in run.task("check")["documents"]] == ["APT28 DOMAINS (REPORT)"]
    assert emulator.journal == []
