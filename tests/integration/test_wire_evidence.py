"""The request forms the public clients send, first, as the journal shows them (docs/wire-format.md).

These run, like every integration test, against the emulator in strict mode (forms no client sends
are refused), with a page cap of 50 and `labelIds` left out of intel objects.
"""

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
SIGNAL = REPO / "tests" / "fixtures" / "handwritten" / "signal_rundll32.json"
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
APT28 = CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc"
STIX = CORPUS / "stix1" / "malware-indicator-for-file-hash.xml"
CYBOX = REPO / "tests" / "fixtures" / "handwritten" / "cybox_observables.xml"
YARA = CORPUS / "yara" / "FIN4_MACROCHECK.yara"
API = "/plugin/products/threat-response/api/v1"
SYNC_SOURCE = "tanium.threat_response: managed-by-ansible"


def calls(emulator, methods=("POST", "PUT", "DELETE")):
    return [(entry["method"], entry["path"].removeprefix(API + "/"), entry["status"])
            for entry in emulator.journal if entry["method"] in methods]


def sync(paths, **options):
    return {"name": "sync", "tanium.threat_response.intel_sync": dict(documents=[{"src": str(path)} for path in paths],
                                                                      **options)}


def test_a_signal_is_created_through_the_sync_source_and_updated_in_place(emulator, run_playbook, tmp_path):
    signal = tmp_path / SIGNAL.name
    shutil.copy(SIGNAL, signal)
    assert run_playbook([sync([signal])]).rc == 0
    (source,) = [source for source in emulator.sources() if source["name"] == SYNC_SOURCE]
    (stored,) = emulator.intels()
    # Strict mode refused anything but the four fields, and signal JSON posted to intels.
    assert calls(emulator)[:2] == [("POST", "sources", 200), ("POST", f"sources/{source['id']}/intels", 200)]
    assert (stored["type"], stored["sourceId"], source["type"]) == ("tanium-signal", source["id"], "api-client")

    body = json.loads(signal.read_text())
    signal.write_text(json.dumps(dict(body, description="Edited.")))
    emulator.clear_journal()
    run = run_playbook([sync([signal])])
    assert run.rc == 0, run.output
    assert calls(emulator) == [("PUT", f"intels/{stored['id']}", 200)]
    assert emulator.intels()[0]["description"] == "Edited."


def uploads(emulator):
    """(method, route, status, Content-Type, type header, Content-Disposition, name, description) of each upload."""
    rows = []
    for entry in emulator.journal:
        path = entry["path"].removeprefix(API + "/")
        if entry["method"] in ("POST", "PUT") and (path == "intels" or path.endswith("/intels")
                                                   or path.startswith("intels/") and "/labels" not in path):
            route = "source" if path.startswith("sources/") else "intels" if path == "intels" else "put"
            rows.append((entry["method"], route, entry["status"], entry["content_type"], entry["type"],
                         entry["content_disposition"], entry["name"], entry["description"]))
    return sorted(rows, key=str)


FOUR = (APT18, STIX, CYBOX, YARA)
YARA_ENTRY = {"name": "FIN4 check", "description": "Macro check\nfrom FIN4"}
# docs/wire-format.md#upload-headers: OpenCTI's tanium-intel connector, type by type.
SOURCE_CREATES = [
    ("POST", "source", 200, "application/octet-stream", "yara", "attachment; filename=FIN4 check.yara", "FIN4 check",
     "Macro check from FIN4"),
    ("POST", "source", 200, "application/xml", "cybox", None, None, None),
    ("POST", "source", 200, "application/xml", "openioc", None, None, None),
    ("POST", "source", 200, "application/xml", "stix", None, None, None),
]
UPDATES = [
    ("PUT", "put", 200, "application/octet-stream", "yara", "attachment; filename=FIN4 check.yara", "FIN4 check",
     "Macro check from FIN4"),
    ("PUT", "put", 200, "application/xml", "cybox", None, None, None),
    ("PUT", "put", 200, "application/xml", "ioc", None, None, None),
    ("PUT", "put", 200, "application/xml", "stix", None, None, None),
]
# The seed's form (Tanium's how-to; XSOAR and Splunk SOAR): the file named after the document.
SEED_CREATES = sorted([
    ("POST", "intels", 200, "application/octet-stream", None, "attachment; filename=FIN4 check.yara", None, None),
    ("POST", "intels", 200, "application/xml", None, "attachment; filename=DEMONSTRATING HUSTLE - APT18 (BLOG).ioc",
     None, None),
    ("POST", "intels", 200, "application/xml", None, "attachment; filename=File hash for Poison Ivy variant.stix",
     None, None),
    ("POST", "intels", 200, "application/xml", None,
     "attachment; filename=Dropper svchelper.exe and its C2 address.xml", None, None),
], key=str)


def edited_copies(tmp_path):
    """The four documents in tmp_path, and a function that changes each one's bytes, not its identity."""
    copies = [tmp_path / path.name for path in FOUR]
    for source, copy in zip(FOUR, copies):
        shutil.copy(source, copy)

    def edit():
        for copy in copies:
            copy.write_bytes(copy.read_bytes() + b"\n")
    return copies, edit


def four_sync(copies):
    documents = [{"src": str(path), **(YARA_ENTRY if path.suffix == ".yara" else {})} for path in copies]
    return {"name": "sync", "tanium.threat_response.intel_sync": {"documents": documents, "applicability": "ignore"}}


def test_openioc_stix_cybox_and_yara_are_created_through_the_source_and_updated_with_opencti_headers(
        emulator, run_playbook, tmp_path):
    copies, edit = edited_copies(tmp_path)
    first = run_playbook([four_sync(copies)])
    assert first.rc == 0, first.output
    assert uploads(emulator) == sorted(SOURCE_CREATES, key=str)
    assert {intel["type"] for intel in emulator.intels()} == {"openioc", "stix", "cybox", "yara"}
    (yara,) = [intel for intel in emulator.intels() if intel["type"] == "yara"]
    assert (yara["name"], yara["intrinsicId"], yara["description"]) == (
        "FIN4 check", "FIN4 check.yara", "Macro check from FIN4")
    assert not first.task("sync").get("warnings")

    edit()
    emulator.clear_journal()
    second = run_playbook([four_sync(copies)])
    assert second.rc == 0, second.output
    assert len(second.task("sync")["updated"]) == 4
    assert uploads(emulator) == sorted(UPDATES, key=str)
    assert len(emulator.intels()) == 4  # every PUT updated in place

    emulator.clear_journal()
    assert run_playbook([four_sync(copies)]).task("sync")["changed"] is False
    assert emulator.writes() == []


@pytest.mark.emulator(sources=False)
def test_a_server_without_sources_gets_the_seed_form_and_the_task_says_so(emulator, run_playbook, tmp_path):
    copies, edit = edited_copies(tmp_path)
    first = run_playbook([four_sync(copies)])
    assert first.rc == 0, first.output
    assert uploads(emulator) == SEED_CREATES
    assert [warning for warning in first.task("sync")["warnings"] if "no intel sources" in warning] == [
        f"the server has no intel sources (GET {API}/sources answered 404): documents are created with POST "
        f"{API}/intels, as Tanium's how-to does, and only their labels mark them as managed by this task"]
    # Ownership rests on the managed label: every document carries it.
    managed = {label["name"]: label["id"] for label in emulator.labels()}["managed-by-ansible"]
    assert all(managed in intel["labelIds"] for intel in emulator.intels())

    edit()
    emulator.clear_journal()
    second = run_playbook([four_sync(copies)])
    assert second.rc == 0, second.output
    assert uploads(emulator) == sorted(UPDATES, key=str)
    # The YARA name and description travel with the update (the seed's form has no header for them).
    (yara,) = [intel for intel in emulator.intels() if intel["type"] == "yara"]
    assert (yara["name"], yara["description"]) == ("FIN4 check", "Macro check from FIN4")

    emulator.clear_journal()
    third = run_playbook([four_sync(copies)])
    assert third.rc == 0 and third.task("sync")["changed"] is False, third.output
    assert emulator.writes() == []


def test_only_a_yara_upload_carries_a_description_header_and_a_purge_delete_is_answered_200(
        emulator, run_playbook):
    documents = [{"src": str(APT18)}, {"src": str(YARA), "description": "Macro check\nfrom FIN4"}]
    task = {"name": "sync", "tanium.threat_response.intel_sync": {"documents": documents}}
    assert run_playbook([task]).rc == 0
    described = {row[4]: row[7] for row in uploads(emulator)}
    assert described == {"yara": "Macro check from FIN4", "openioc": None}  # one line, and on the YARA upload only
    emulator.clear_journal()
    purge = {"name": "sync", "tanium.threat_response.intel_sync": {"documents": documents[1:], "purge": True}}
    assert run_playbook([purge]).rc == 0
    # `DELETE intels/?id=` as the public clients send it; the server answers 200 `{}`.
    assert [(entry["path"].removeprefix(API + "/"), entry["status"]) for entry in emulator.journal
            if entry["method"] == "DELETE"] == [("intels/", 200)]


@pytest.mark.emulator(missing_intel_status=400)
def test_a_400_that_says_not_found_is_an_absent_document(emulator, run_playbook):
    run = run_playbook([
        {"name": "absent", "tanium.threat_response.intel": {"id": 4242, "state": "absent"}},
        {"name": "info", "tanium.threat_response.intel_info": {"id": 4242}},
    ])
    assert run.rc == 0, run.output
    assert (run.task("absent")["changed"], run.task("absent")["action"]) == (False, "absent")
    assert run.task("info")["intels"] == []
    assert [entry["status"] for entry in emulator.journal if entry["path"] == f"{API}/intels/4242"] == [400, 400]


def test_a_label_update_tries_the_path_form_then_the_query_form(emulator, run_playbook):
    task = {"name": "label", "tanium.threat_response.label": {"name": "Alpha", "description": "Reviewed."}}
    run = run_playbook([task])
    assert run.rc == 0, run.output
    (label,) = [label for label in emulator.labels() if label["name"] == "Alpha"]
    assert label["description"] == "Reviewed."
    # No public client updates a label by path; one sends `PUT labels?id=`: strict mode has only that.
    updates = [(entry["path"].removeprefix(API + "/"), entry["query"], entry["status"])
               for entry in emulator.journal if entry["method"] == "PUT"]
    assert updates == [(f"labels/{label['id']}", {}, 404), ("labels", {"id": [str(label["id"])]}, 200)]
    listings = [entry["query"] for entry in emulator.journal
                if entry["method"] == "GET" and entry["path"].rstrip("/") == f"{API}/labels"]
    assert listings == [{"limit": ["500"]}]  # one GET, no offset: the server answered less than a full page


@pytest.mark.emulator(strict=False)
def test_a_server_that_takes_the_path_form_gets_only_that(emulator, run_playbook):
    run = run_playbook([{"name": "label", "tanium.threat_response.label": {"name": "Beta", "description": "New."}}])
    assert run.rc == 0, run.output
    assert [(entry["path"].removeprefix(API + "/"), entry["status"]) for entry in emulator.journal
            if entry["method"] == "PUT"] == [("labels/2", 200)]


def test_an_unknown_label_on_attach_is_reported_as_unknown(emulator, run_playbook):
    emulator.add_fault(method="PUT", path=r"/intels/\d+/labels$", status=500, times=None)
    run = run_playbook([sync([APT18])])
    assert run.rc != 0
    assert "the server does not know label 'managed-by-ansible'" in run.task("sync")["msg"]


def test_label_membership_comes_from_one_filtered_listing_per_label_in_play(emulator, run_playbook):
    task = sync([APT18, APT28, YARA], labels=["Team"])
    assert run_playbook([task]).rc == 0
    emulator.clear_journal()
    again = run_playbook([task])
    assert again.rc == 0 and again.task("sync")["changed"] is False, again.output
    labels = {label["name"]: label["id"] for label in emulator.labels()}
    filtered = sorted(entry["query"]["labelId"][0] for entry in emulator.journal if "labelId" in entry["query"])
    assert filtered == sorted(str(labels[name]) for name in ("Team", "managed-by-ansible"))
    assert not [entry for entry in emulator.journal if entry["path"].endswith("/labels")
                and "/intels/" in entry["path"]]


def test_a_document_created_but_never_labelled_is_purged_once_it_leaves_the_set(emulator, run_playbook):
    # The first run creates all three; the label attach of the first fails, as after a kill before labelling.
    emulator.add_fault(method="PUT", path=r"/intels/\d+/labels$", status=500, times=1)
    failed = run_playbook([sync([APT18, APT28, YARA], parallel=1)])
    assert failed.rc != 0
    orphans = [intel for intel in emulator.intels() if not intel["labelIds"]]
    assert len(orphans) == 1 and len(emulator.intels()) == 3
    (source,) = [source for source in emulator.sources() if source["name"] == SYNC_SOURCE]
    assert orphans[0]["sourceId"] == source["id"]

    (failure,) = failed.task("sync")["failures"]
    kept = [path for path in (APT18, APT28, YARA) if str(path) != failure["source"]]
    assert len(kept) == 2
    run = run_playbook([sync(kept, purge=True)])
    assert run.rc == 0, run.output
    assert [entry["id"] for entry in run.task("sync")["deleted"]] == [orphans[0]["id"]]
    assert orphans[0]["id"] not in {intel["id"] for intel in emulator.intels()}
