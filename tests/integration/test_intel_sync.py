"""intel_sync through ansible-playbook against the emulator: plans, writes and listings from the journal."""

import shutil

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CORPUS = REPO / "tests" / "fixtures" / "corpus"
HANDWRITTEN = REPO / "tests" / "fixtures" / "handwritten"
INTELS = "/plugin/products/threat-response/api/v1/intels"
# Every valid corpus document of the formats Threat Response takes (the zero-rule YARA file is not valid).
VALID = sorted(path for folder in ("openioc", "stix1", "yara") for path in (CORPUS / folder).iterdir()
               if path.name != "apt_flame2_orchestrator.yar")
THIRTY = VALID[:28] + [HANDWRITTEN / "signal_rundll32.json", HANDWRITTEN / "cybox_observables.xml"]


def sync_task(task_name, paths, **options):
    return {"name": task_name,
            "tanium.threat_response.intel_sync": dict(documents=[{"src": str(path)} for path in paths], **options)}


def writes(emulator):
    return [(entry["method"], entry["path"]) for entry in emulator.writes()]


def label_names(emulator, intel):
    names = {label["id"]: label["name"] for label in emulator.labels()}
    return sorted(names[label_id] for label_id in intel["labelIds"])


def listings(emulator):
    """Listings of all intel (label-filtered ones, which learn membership where labelIds is absent, aside)."""
    return [entry for entry in emulator.journal if entry["method"] == "GET" and entry["path"].rstrip("/") == INTELS
            and "labelId" not in entry["query"]]


def test_thirty_documents_are_created_then_a_rerun_writes_nothing_and_lists_once(emulator, run_playbook):
    first = run_playbook([sync_task("sync", THIRTY)])
    assert first.rc == 0, first.output
    assert len(first.task("sync")["created"]) == 30
    assert len(emulator.intels()) == 30
    assert all(label_names(emulator, intel) == ["managed-by-ansible"] for intel in emulator.intels())

    emulator.clear_journal()
    second = run_playbook([sync_task("sync", THIRTY)])
    result = second.task("sync")
    assert (result["changed"], len(result["unchanged"]), result["created"], result["updated"]) == (False, 30, [], [])
    assert writes(emulator) == []
    assert len(listings(emulator)) == 1
    # One listing page, the labels, and (labelIds being absent) one listing filtered by the managed label.
    assert len(emulator.journal) <= 3 + 1


def test_an_edited_document_is_one_put(emulator, run_playbook, tmp_path):
    copies = []
    for path in THIRTY[:5]:
        copies.append(tmp_path / path.name)
        shutil.copy(path, copies[-1])
    run_playbook([sync_task("sync", copies)])
    ioc = next(path for path in copies if path.suffix == ".ioc")
    ioc.write_bytes(ioc.read_bytes().replace(b"</description>", b" (edited)</description>", 1))
    emulator.clear_journal()
    run = run_playbook([sync_task("sync", copies)], diff=True)
    assert run.rc == 0, run.output
    (put,) = writes(emulator)
    assert put[0] == "PUT" and len(emulator.intels()) == 5
    edited = next(intel for intel in emulator.intels() if put[1].endswith(f"/{intel['id']}"))
    assert [entry["id"] for entry in run.task("sync")["updated"]] == [edited["id"]]
    (diff,) = run.task("sync")["diff"]
    assert diff["before"]["md5"] != diff["after"]["md5"]


def test_one_invalid_document_means_nothing_is_written(emulator, run_playbook):
    broken = CORPUS / "invalid" / "truncated-xml_openioc1.0_APT18.ioc"
    run = run_playbook([sync_task("sync", THIRTY[:10] + [broken])])
    assert run.rc != 0
    assert broken.name in run.task("sync")["msg"] and "nothing was written" in run.task("sync")["msg"]
    assert writes(emulator) == []
    assert {(entry["method"], entry["path"]) for entry in emulator.journal} == {("GET", INTELS)}


def test_purge_deletes_exactly_the_dropped_managed_document(emulator, run_playbook):
    unmanaged = emulator.seed_intel((CORPUS / "yara" / "apt_hatman.yar").read_bytes(), filename="hand-made.yar")
    run_playbook([sync_task("sync", THIRTY[:4])])
    dropped = {intel["name"]: intel["id"] for intel in emulator.intels()}
    emulator.clear_journal()
    run = run_playbook([sync_task("sync", THIRTY[:3], purge=True)])
    assert run.rc == 0, run.output
    (deleted,) = run.task("sync")["deleted"]
    assert [method for method, _path in writes(emulator)] == ["DELETE"]
    remaining = {intel["id"] for intel in emulator.intels()}
    assert deleted["id"] not in remaining and unmanaged["id"] in remaining and len(remaining) == 4
    assert deleted["id"] in dropped.values()


def test_check_mode_returns_the_plan_with_zero_writes(emulator, run_playbook):
    run = run_playbook([sync_task("sync", THIRTY[:6], labels=["APT"])], check=True, diff=True)
    assert run.rc == 0, run.output
    result = run.task("sync")
    assert len(result["created"]) == 6 and len(result["diff"]) == 6
    assert result["diff"][0]["after"]["labels"] == ["APT", "managed-by-ansible"]
    assert writes(emulator) == [] and emulator.intels() == []


def test_applicability_is_returned_per_document_and_error_writes_nothing(emulator, run_playbook):
    cobalt = CORPUS / "openioc" / "POTENTIAL COBALT STRIKE PROFILE (FAMILY).ioc"
    apt18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
    refused = run_playbook([sync_task("sync", [apt18, cobalt], applicability="error")])
    assert refused.rc != 0 and "urlMonitorEvent/" in refused.task("sync")["msg"]
    assert emulator.journal == []

    run = run_playbook([sync_task("sync", [apt18, cobalt])])
    assert run.rc == 0, run.output
    documents = run.task("sync")["documents"]
    assert [document["action"] for document in documents] == ["create", "create"]
    assert "applicability_summary" in documents[1] and "urlMonitorEvent/" in documents[1]["applicability_summary"]
    assert len(run.task("sync")["warnings"]) == 1

    # Run again: nothing is written, so no per-document warning, one summary line, findings on request.
    again = run_playbook([sync_task("sync", [apt18, cobalt], details="all")])
    result = again.task("sync")
    assert result["warnings"] == ["1 unchanged document(s) use terms Threat Response may not evaluate; their "
                                  "findings are in the result (intel_sync: with `details: all`)"]
    assert result["counts"] == dict(created=0, updated=0, unchanged=2, deleted=0)
    assert "urlMonitorEvent/" in result["documents"][1]["applicability_summary"]


def test_paths_entries_take_the_options_of_a_documents_entry(emulator, run_playbook, tmp_path):
    intel = tmp_path / "intel"
    intel.mkdir()
    for path in THIRTY[:3]:
        shutil.copy(path, intel / path.name)
    task = {"name": "sync", "tanium.threat_response.intel_sync": {
        "paths": [{"src": str(intel), "labels": ["Team"]}, str(HANDWRITTEN / "signal_rundll32.json")]}}
    run = run_playbook([task])
    assert run.rc == 0, run.output
    assert run.task("sync")["counts"]["created"] == 4
    labelled = sorted(tuple(label_names(emulator, intel)) for intel in emulator.intels())
    assert labelled == [("Team", "managed-by-ansible")] * 3 + [("managed-by-ansible",)]

    wrong = run_playbook([{"name": "sync", "tanium.threat_response.intel_sync": {
        "paths": [{"src": str(intel), "colour": "red"}]}}])
    assert wrong.rc != 0 and "paths entry 1" in wrong.task("sync")["msg"] and "colour" in wrong.task("sync")["msg"]


def test_a_130_document_rollout_over_a_server_holding_them_sends_no_create(emulator, run_playbook, tmp_path):
    """The integration emulator answers at most 50 rows a page: a short page is not the end of the list."""
    assert emulator.configure()["list_page_max"] == 50
    for index in range(130):
        (tmp_path / f"rule_{index:03d}.yar").write_text(f"rule r{index} {{ condition: true }}\n")
    paths = sorted(tmp_path.iterdir())
    assert run_playbook([sync_task("first", paths)]).rc == 0
    emulator.clear_journal()
    again = run_playbook([sync_task("again", paths)])
    assert again.rc == 0, again.output
    assert again.task("again")["changed"] is False
    assert writes(emulator) == []
    assert len(emulator.intels()) == 130
    # Pages after the first are asked up to `parallel` at a time: each once, in any order.
    assert sorted((int(entry["query"]["offset"][0]) for entry in listings(emulator))) == [0, 50, 100]
