"""to_openioc rendered by ansible-playbook and uploaded with the intel module against the emulator."""

import hashlib
import uuid

from conftest import REPO

from ansible_collections.tanium.threat_response.plugins.plugin_utils._openioc_builder import build_openioc

POISONIVY = REPO / "tests" / "fixtures" / "corpus" / "stix2" / "poisonivy.json"
INDICATORS = {
    "md5": ["44D88612FEA8A8F36DE82E1278ABB02F", "44d88612fea8a8f36de82e1278abb02f"],
    "sha256": ["275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"],
    "file_names": ["invoice.pdf.exe"],
    "domains": ["update.example.net"],
    "ips": ["192.0.2.10", "2001:db8::10"],
    "urls": ["http://update.example.net/payload?a=1&b=2"],
}
PLAY_VARS = {"indicators": INDICATORS, "ioc_name": "Campaign X & co (hashes)", "ioc_description": "From <the> report"}
UPLOAD = {"content": "{{ indicators | tanium.threat_response.to_openioc(name=ioc_name, description=ioc_description) }}"}


def upload_task(task_name, options):
    return {"name": task_name, "tanium.threat_response.intel": options}


def writes(emulator):
    return [(entry["method"], entry["path"]) for entry in emulator.writes()]


def test_rendering_twice_uploads_one_document_and_the_second_upload_writes_nothing(emulator, run_playbook):
    tasks = [upload_task("first", UPLOAD), upload_task("second", UPLOAD)]
    run = run_playbook(tasks, play_vars=PLAY_VARS)
    assert run.rc == 0, run.output
    assert (run.task("first")["changed"], run.task("first")["action"]) == (True, "create")
    assert (run.task("second")["changed"], run.task("second")["action"]) == (False, "unchanged")
    # The first task's create is the only write of the whole play: the second task sent none.
    (stored,) = emulator.intels()
    assert writes(emulator) == [("POST", "/plugin/products/threat-response/api/v1/sources"),
                                ("POST", f"/plugin/products/threat-response/api/v1/sources/{stored['sourceId']}/intels")]
    expected = build_openioc(INDICATORS, PLAY_VARS["ioc_name"], PLAY_VARS["ioc_description"]).encode("utf-8")
    assert stored["md5"] == hashlib.md5(expected).hexdigest()  # the filter's exact bytes reached the server
    assert (stored["type"], stored["name"], stored["description"]) == (
        "openioc", "Campaign X & co (hashes)", "From <the> report")
    assert stored["intrinsicId"] == str(uuid.uuid5(uuid.UUID("93deea87-67bd-41ec-bc54-1c1fdc023760"),
                                                   "Campaign X & co (hashes)"))

    emulator.clear_journal()
    rerun = run_playbook(tasks, play_vars=PLAY_VARS)
    assert rerun.rc == 0, rerun.output
    assert [rerun.task(name)["changed"] for name in ("first", "second")] == [False, False]
    assert writes(emulator) == [] and len(emulator.intels()) == 1


def test_stix2_bundle_file_becomes_one_openioc_document(emulator, run_playbook):
    task = upload_task("poison ivy", {
        "content": "{{ lookup('ansible.builtin.file', bundle) | tanium.threat_response.to_openioc(name='Poison Ivy') }}"})
    run = run_playbook([task], play_vars={"bundle": str(POISONIVY)})
    assert run.rc == 0, run.output
    (stored,) = emulator.intels()
    expected = build_openioc(POISONIVY.read_text(encoding="utf-8"), "Poison Ivy").encode("utf-8")
    assert (stored["name"], stored["md5"]) == ("Poison Ivy", hashlib.md5(expected).hexdigest())


def test_a_bad_hash_fails_the_task_naming_it_and_nothing_is_written(emulator, run_playbook):
    task = upload_task("bad", {"content": "{{ ['nope', '44d88612fea8a8f36de82e1278abb02f'] "
                                          "| tanium.threat_response.to_openioc(name='Bad') }}"})
    run = run_playbook([task])
    assert run.rc != 0 and run.status("bad") == "failed"
    assert "to_openioc: bad hash(es)" in run.task("bad")["msg"] and "'nope'" in run.task("bad")["msg"]
    assert writes(emulator) == [] and emulator.intels() == []
