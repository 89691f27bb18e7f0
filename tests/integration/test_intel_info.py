"""intel_info through ansible-playbook with the installed collection, against the emulator."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CORPUS = REPO / "tests" / "fixtures" / "corpus"
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
MACROCHECK = CORPUS / "yara" / "FIN4_MACROCHECK.yara"


def seed_two(emulator):
    ioc = emulator.seed_intel(APT18.read_bytes(), filename="apt18.ioc")
    yara = emulator.seed_intel(MACROCHECK.read_bytes(), filename="FIN4_MACROCHECK.yara", labels=["Windows"])
    return ioc, yara


def test_lists_every_document_in_snake_case_and_changes_nothing(emulator, run_playbook):
    ioc, yara = seed_two(emulator)
    run = run_playbook([{"name": "list", "tanium.threat_response.intel_info": {}}])
    assert run.rc == 0, run.output
    result = run.task("list")
    assert result["changed"] is False
    assert [intel["id"] for intel in result["intels"]] == [yara["id"], ioc["id"]]
    assert {"intrinsic_id", "revision_id", "label_ids", "type_version"} <= set(result["intels"][1])
    assert emulator.writes() == []


def test_name_is_an_exact_match_even_where_the_server_matches_substrings(emulator, run_playbook):
    ioc = seed_two(emulator)[0]
    emulator.seed_intel(APT18.read_bytes().replace(b"DEMONSTRATING", b"DEMONSTRATING MORE"), filename="b.ioc")
    run = run_playbook([{"name": "by name", "tanium.threat_response.intel_info": {"name": ioc["name"]}}])
    assert [intel["id"] for intel in run.task("by name")["intels"]] == [ioc["id"]]


def test_filters_by_id_type_label_and_limit(emulator, run_playbook):
    ioc, yara = seed_two(emulator)
    run = run_playbook([
        {"name": "by id", "tanium.threat_response.intel_info": {"id": ioc["id"]}},
        {"name": "missing id", "tanium.threat_response.intel_info": {"id": 99999}},
        {"name": "by type", "tanium.threat_response.intel_info": {"type": "yara"}},
        {"name": "by label", "tanium.threat_response.intel_info": {"label": "windows"}},
        {"name": "unknown label", "tanium.threat_response.intel_info": {"label": "no such label"}},
        {"name": "limit", "tanium.threat_response.intel_info": {"limit": 1}},
    ])
    assert run.rc == 0, run.output
    ids = {name: [intel["id"] for intel in run.task(name)["intels"]]
           for name in ("by id", "missing id", "by type", "by label", "unknown label", "limit")}
    assert ids == {"by id": [ioc["id"]], "missing id": [], "by type": [yara["id"]], "by label": [yara["id"]],
                   "unknown label": [], "limit": [yara["id"]]}


def test_bad_token_fails_cleanly_without_showing_the_token(emulator, run_playbook):
    secret = "token-this-is-not-valid-0042"
    run = run_playbook([{"name": "list", "tanium.threat_response.intel_info": {}}], args=["-vvvv"],
                       env={"TANIUM_API_TOKEN": secret})
    assert run.rc != 0
    result = run.task("list")
    assert result["status"] == 401 and result["method"] == "GET"
    assert "HTTP 401" in result["msg"]
    assert secret not in run.output
