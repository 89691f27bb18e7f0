"""The intel module through ansible-playbook against the emulator: each case asserts the journal."""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CORPUS = REPO / "tests" / "fixtures" / "corpus"
HANDWRITTEN = REPO / "tests" / "fixtures" / "handwritten"
ONE_OF_EACH = {
    "openioc": CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc",
    "openioc-1.1": CORPUS / "openioc" / "SafetyKatz A (Credential Stealer).ioc",
    "stix": CORPUS / "stix1" / "malware-indicator-for-file-hash.xml",
    "cybox": HANDWRITTEN / "cybox_observables.xml",
    "yara": CORPUS / "yara" / "FIN4_MACROCHECK.yara",
    "tanium-signal": HANDWRITTEN / "signal_rundll32.json",
}


def intel_task(task_name, **options):
    return {"name": task_name, "tanium.threat_response.intel": options}


def writes(emulator):
    return [(entry["method"], entry["path"]) for entry in emulator.writes()]


@pytest.fixture
def workdir(tmp_path):
    """Copies of the corpus files, so a test can edit them."""
    target = tmp_path / "intel"
    target.mkdir()
    for path in ONE_OF_EACH.values():
        shutil.copy(path, target / path.name)
    return target


def test_creates_one_of_each_type_then_a_rerun_changes_nothing(emulator, run_playbook, workdir):
    tasks = [intel_task(kind, src=str(workdir / path.name)) for kind, path in ONE_OF_EACH.items()]
    first = run_playbook(tasks)
    assert first.rc == 0, first.output
    assert [first.task(kind)["action"] for kind in ONE_OF_EACH] == ["create"] * 6
    posts = [entry for entry in emulator.writes() if entry["method"] == "POST"]
    # One source for the collection, found or created once, then every document created through it.
    (source,) = [source for source in emulator.sources() if source["name"] == "tanium.threat_response"]
    assert [entry["path"].rsplit("/v1/", 1)[1] for entry in posts][:1] == ["sources"]
    uploads = posts[1:]
    assert {entry["path"].rsplit("/v1/", 1)[1] for entry in uploads} == {f"sources/{source['id']}/intels"}
    assert len(uploads) == 6 and all(intel["sourceId"] == source["id"] for intel in emulator.intels())
    stored = {intel["type"] for intel in emulator.intels()}
    assert {"openioc", "yara", "tanium-signal"} <= stored and len(emulator.intels()) == 6
    yara_upload = next(entry for entry in uploads if "MACROCHECK" in (entry["content_disposition"] or ""))
    assert yara_upload["content_disposition"] == "attachment; filename=FIN4_MACROCHECK.yara"

    emulator.clear_journal()
    second = run_playbook(tasks)
    assert second.rc == 0, second.output
    assert [second.task(kind)["changed"] for kind in ONE_OF_EACH] == [False] * 6
    assert writes(emulator) == []


def test_one_line_edit_is_one_put_on_the_same_id_with_the_next_revision(emulator, run_playbook, workdir):
    src = workdir / ONE_OF_EACH["openioc"].name
    run_playbook([intel_task("upload", src=str(src))])
    (before,) = emulator.intels()
    src.write_bytes(src.read_bytes().replace(b"<description>", b"<description>Edited. ", 1))
    emulator.clear_journal()
    run = run_playbook([intel_task("upload", src=str(src))], diff=True)
    assert run.rc == 0, run.output
    (after,) = emulator.intels()
    assert writes(emulator) == [("PUT", f"/plugin/products/threat-response/api/v1/intels/{before['id']}")]
    assert (after["id"], after["revisionId"]) == (before["id"], before["revisionId"] + 1)
    diff = run.task("upload")["diff"]
    assert diff["before"]["md5"] == before["md5"] and diff["after"]["md5"] == after["md5"] != before["md5"]
    assert (diff["before"]["revision"], diff["after"]["revision"]) == (1, 2)


def test_check_mode_predicts_changes_and_sends_no_write(emulator, run_playbook, workdir):
    tasks = [intel_task(kind, src=str(workdir / path.name), labels=["APT"]) for kind, path in ONE_OF_EACH.items()]
    run = run_playbook(tasks, check=True, diff=True)
    assert run.rc == 0, run.output
    assert all(run.task(kind)["changed"] for kind in ONE_OF_EACH)
    assert run.task("yara")["diff"]["after"]["labels"] == ["APT"]
    assert run.task("yara")["intel"]["id"] is None
    assert writes(emulator) == [] and emulator.intels() == []


def test_labels_reach_exactly_the_given_set(emulator, run_playbook, workdir):
    src = str(workdir / ONE_OF_EACH["yara"].name)
    run_playbook([intel_task("upload", src=src, labels=["Alpha", "APT", "FIN4"])])
    (document,) = emulator.intels()
    names = {label["id"]: label["name"] for label in emulator.labels()}
    assert sorted(names[i] for i in document["labelIds"]) == ["APT", "Alpha", "FIN4"]

    emulator.clear_journal()
    run = run_playbook([intel_task("relabel", src=src, labels=["apt", "Windows"])])
    assert run.rc == 0, run.output
    (document,) = emulator.intels()
    names = {label["id"]: label["name"] for label in emulator.labels()}
    assert sorted(names[i] for i in document["labelIds"]) == ["APT", "Windows"]
    assert run.task("relabel")["intel"]["labels"] == ["APT", "Windows"]
    methods = sorted(method for method, _path in writes(emulator))
    assert methods == ["DELETE", "DELETE", "PUT"]  # detach Alpha, detach FIN4, attach Windows


def test_a_failed_label_attach_names_the_label_as_the_task_does(emulator, run_playbook, workdir):
    emulator.seed_intel((CORPUS / "yara" / "apt_hatman.yar").read_bytes(), filename="other.yar", labels=["APT"])
    emulator.add_fault(method="PUT", path=r"/intels/\d+/labels$", status=500, times=None)
    run = run_playbook([intel_task("upload", src=str(workdir / ONE_OF_EACH["yara"].name), labels=["apt"])])
    assert run.rc != 0
    message = run.task("upload")["msg"]
    assert "the server does not know label 'apt' (it answers 500 for an unknown label)" in message
    assert "label id" not in message


def test_absent_twice_is_changed_then_ok(emulator, run_playbook, workdir):
    src = str(workdir / ONE_OF_EACH["stix"].name)
    run_playbook([intel_task("upload", src=src)])
    run = run_playbook([intel_task("first", src=src, state="absent"), intel_task("second", src=src, state="absent")])
    assert run.rc == 0, run.output
    assert (run.task("first")["changed"], run.task("second")["changed"]) == (True, False)
    assert emulator.intels() == []
    assert [method for method, _path in writes(emulator)].count("DELETE") == 1


def test_yara_keeps_its_identity_by_file_name(emulator, run_playbook, workdir):
    src = workdir / ONE_OF_EACH["yara"].name
    run_playbook([intel_task("upload", src=str(src))])
    src.write_text(src.read_text().replace("MACROCHECK", "MACROCHECK_V2"))
    renamed = workdir / "copy-under-another-name.yara"
    shutil.copy(src, renamed)
    run = run_playbook([intel_task("edit", src=str(src)), intel_task("other", src=str(renamed))])
    assert run.rc == 0, run.output
    assert (run.task("edit")["action"], run.task("other")["action"]) == ("update", "create")
    assert sorted(intel["name"] for intel in emulator.intels()) == ["FIN4_MACROCHECK.yara", "copy-under-another-name.yara"]


def test_two_matching_server_documents_are_an_error_naming_both(emulator, run_playbook):
    content = ONE_OF_EACH["openioc"].read_bytes()
    first = emulator.seed_intel(content, filename="a.ioc")
    second = emulator.seed_intel(content, filename="b.ioc")
    run = run_playbook([intel_task("upload", src=str(ONE_OF_EACH["openioc"]))])
    assert run.rc != 0
    message = run.task("upload")["msg"]
    assert f"ids {first['id']}, {second['id']}" in message
    assert writes(emulator) == []
    pinned = run_playbook([intel_task("pinned", src=str(ONE_OF_EACH["openioc"]), id=second["id"])])
    assert pinned.rc == 0 and pinned.task("pinned")["changed"] is False


def test_every_invalid_corpus_file_fails_clearly_with_no_write(emulator, run_playbook):
    invalid = sorted(path for path in (CORPUS / "invalid").iterdir() if not path.name.startswith("wrong-extension"))
    tasks = [dict(intel_task(path.name, src=str(path)), ignore_errors=True) for path in invalid]
    run = run_playbook(tasks)
    messages = {path.name: run.task(path.name).get("msg", "") for path in invalid}
    for path in invalid:
        assert run.status(path.name) == "failed", path.name
        assert str(path) in messages[path.name], messages[path.name]
    assert len(set(messages.values())) == len(invalid)
    assert writes(emulator) == []


def test_a_different_name_option_for_a_self_named_document_is_an_error(emulator, run_playbook):
    run = run_playbook([intel_task("upload", src=str(ONE_OF_EACH["openioc"]), name="Something else")])
    assert run.rc != 0
    assert "differs from the name the openioc document declares" in run.task("upload")["msg"]
    assert writes(emulator) == []


COBALT = CORPUS / "openioc" / "POTENTIAL COBALT STRIKE PROFILE (FAMILY).ioc"


def test_applicability_error_fails_naming_the_terms_with_no_write(emulator, run_playbook):
    run = run_playbook([intel_task("upload", src=str(COBALT), applicability="error")])
    assert run.rc != 0
    message = run.task("upload")["msg"]
    assert "urlMonitorEvent/" in message and "nothing was written" in message
    assert emulator.journal == []


def test_applicability_warn_uploads_and_warns_once(emulator, run_playbook):
    run = run_playbook([intel_task("upload", src=str(COBALT))])
    assert run.rc == 0, run.output
    result = run.task("upload")
    assert result["action"] == "create" and len(emulator.intels()) == 1
    (warning,) = result["warnings"]
    assert "urlMonitorEvent/" in warning and str(COBALT) in warning
    assert {finding["level"] for finding in result["applicability"]["findings"]} >= {"unknown"}
