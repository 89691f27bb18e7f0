"""Hostile and broken input: refused on the controller with a clear message, before any write.

The same invalid files through `intel`: tests/integration/test_intel.py; random and mutated bytes
through the parser: tests/unit/formats/test_formats_properties.py.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INVALID = sorted(path for path in (REPO / "tests" / "fixtures" / "corpus" / "invalid").iterdir()
                 # These hold valid documents under a misleading extension: they are detected by content.
                 if not path.name.startswith("wrong-extension"))
FIFTY_MB = 50 * 1024 * 1024
INTELS = "/plugin/products/threat-response/api/v1/intels"


def sync_task(task_name, *paths):
    return {"name": task_name, "ignore_errors": True,
            "tanium.threat_response.intel_sync": {"documents": [{"src": str(path)} for path in paths]}}


def test_every_invalid_corpus_file_through_intel_sync_fails_clearly_before_any_write(emulator, run_playbook):
    run = run_playbook([sync_task(path.name, path) for path in INVALID])
    messages = {path.name: run.task(path.name)["msg"] for path in INVALID}
    for path in INVALID:
        assert run.status(path.name) == "failed", path.name
        assert messages[path.name].startswith(f"1 of 1 documents are invalid, nothing was written: document 1: {path}: ")
        assert "\n" not in messages[path.name]
    assert len(set(messages.values())) == len(INVALID)  # each says what is wrong with its file
    assert "root:" not in messages["xxe_external-entity-file.xml"]  # the external entity was never read
    # intel_sync reads the listing first (to skip files the server holds byte for byte): nothing else.
    assert {(entry["method"], entry["path"]) for entry in emulator.journal} == {("GET", INTELS)}


def test_a_50_mb_document_is_refused_by_its_size_before_it_is_read(emulator, run_playbook, tmp_path):
    huge = tmp_path / "huge.ioc"
    with huge.open("wb") as handle:
        handle.truncate(FIFTY_MB)  # sparse: no disk space used, nothing to read in a hurry
    run = run_playbook([
        {"name": "intel", "ignore_errors": True, "tanium.threat_response.intel": {"src": str(huge)}},
        sync_task("intel_sync", huge),
    ])
    # The exact size comes from stat(): a read stops at max_size + 1 bytes and could not tell it.
    refusal = f"{huge}: is 52,428,800 bytes, more than the limit of 10,485,760 bytes"
    assert run.task("intel")["msg"] == refusal
    assert run.task("intel_sync")["msg"].endswith(refusal)
    # intel_sync reads the listing while it reads the files: nothing else reaches the server.
    assert {(entry["method"], entry["path"]) for entry in emulator.journal} == {("GET", INTELS)}


HOSTILE = REPO / "tests" / "fixtures" / "hostile"
HOSTILE_SIGNALS = sorted(HOSTILE.glob("signal_*.json"))


def test_hostile_inputs_through_intel_check_and_intel_in_check_mode_fail_only_with_own_errors(emulator, run_playbook):
    """The fuzz test's inputs through real ansible-playbook runs (tests/unit/test_fuzz_modules.py drives the bulk)."""
    tasks = []
    for path in sorted(HOSTILE.glob("*.*")):
        if path.suffix == ".md":
            continue
        tasks.append({"name": f"check {path.name}", "ignore_errors": True,
                      "tanium.threat_response.intel_check": {"src": str(path)}})
        tasks.append({"name": f"intel {path.name}", "ignore_errors": True, "check_mode": True,
                      "tanium.threat_response.intel": {"src": str(path)}})
    run = run_playbook(tasks)
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output
    for path in HOSTILE_SIGNALS:
        for kind in ("check", "intel"):
            message = run.task(f"{kind} {path.name}")["msg"]
            assert str(path) in message and "is not valid JSON at line " in message and "\n" not in message, message
    assert run.status("intel yara_unicode_description.yar") == "ok"
    assert run.task("intel yara_unicode_description.yar")["action"] == "create"
    assert emulator.writes() == []


def test_header_values_that_cannot_travel_are_refused_before_any_write(emulator, run_playbook, tmp_path):
    """A YARA description travels in a header: non-ASCII text and over-long upload names are refused up front."""
    good = []
    for number in range(3):
        path = tmp_path / f"rule{number}.yar"
        path.write_text(f"rule r{number} {{ condition: true }}\n")
        good.append({"src": str(path)})
    unicode_description = dict(good[0], name="unicode.yar", description="検知ルール €")
    long_name = dict(good[1], name="x" * 300 + ".yar")
    run = run_playbook([
        {"name": "unicode", "ignore_errors": True,
         "tanium.threat_response.intel_sync": {"documents": good[1:] + [unicode_description]}},
        {"name": "long", "ignore_errors": True,
         "tanium.threat_response.intel_sync": {"documents": [good[2], long_name]}},
    ])
    assert run.status("unicode") == "failed"
    assert run.task("unicode")["msg"].startswith("1 of 3 documents are invalid, nothing was written: document 3: ")
    assert "its description holds characters other than printable ASCII" in run.task("unicode")["msg"]
    assert run.status("long") == "failed"
    assert "its upload name is 309 characters long" in run.task("long")["msg"]  # <name>.yara
    assert {(entry["method"], entry["path"]) for entry in emulator.journal} == {("GET", INTELS)}
