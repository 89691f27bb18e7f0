"""Updating, deleting and listing intel (docs/wire-format.md#intel-documents, #paging)."""

from __future__ import annotations

import hashlib
import json

import pytest

from emulator_testkit import APT18, CORPUS, SAFETYKATZ, SIGNAL, YARA_FIN4, Api

APT18_TEXT = APT18.read_text()


def test_put_with_same_intrinsic_id_updates_in_place(api):
    created = api.create(APT18, "apt18.ioc")
    changed = APT18_TEXT.replace("DEMONSTRATING HUSTLE - APT18 (BLOG)", "APT18 RENAMED").encode()
    updated = api.create(changed, "apt18.ioc", method="PUT", path=f"/intels/{created['id']}")
    assert updated["id"] == created["id"]
    assert updated["revisionId"] == 2 and updated["name"] == "APT18 RENAMED"
    assert updated["md5"] == hashlib.md5(changed).hexdigest() and updated["size"] == len(changed)
    assert updated["createdAt"] == created["createdAt"]
    assert [doc["id"] for doc in api.srv.intels()] == [created["id"]]


def test_put_with_other_intrinsic_id_creates_a_new_document(api):
    created = api.create(APT18, "apt18.ioc")
    other = api.create(SAFETYKATZ, "katz.ioc", method="PUT", path=f"/intels/{created['id']}")
    assert other["id"] != created["id"] and other["revisionId"] == 1
    stored = {doc["id"]: doc for doc in api.srv.intels()}
    assert stored[created["id"]]["revisionId"] == 1  # the original is untouched
    assert stored[other["id"]]["intrinsicId"] == "d98cec54-3be3-40bb-acf7-e583cded1e52"


def test_yara_put_updates_in_place_only_when_filename_matches_intrinsic_id(api):
    created = api.create(YARA_FIN4, "fin4.yara", headers={"name": "FIN4", "description": "macro"})
    new_rules = YARA_FIN4.read_bytes() + b"\nrule Extra { condition: true }\n"
    same = api.create(new_rules, "fin4.yara", method="PUT", path=f"/intels/{created['id']}")
    assert same["id"] == created["id"] and same["revisionId"] == 2
    assert (same["name"], same["description"]) == ("FIN4", "macro")  # kept: no headers sent
    described = api.create(new_rules, "fin4.yara", method="PUT", path=f"/intels/{created['id']}",
                           headers={"description": ""})
    assert (described["name"], described["description"]) == ("FIN4", "")  # a blank header clears it
    other = api.create(new_rules, "renamed.yara", method="PUT", path=f"/intels/{created['id']}")
    assert other["id"] != created["id"] and other["intrinsicId"] == "renamed.yara"


def test_signal_put_updates_in_place_even_when_renamed(api):
    signal = json.loads(SIGNAL.read_text())
    created = api.data(api.post("/intels", json=signal))
    signal.update(id="a different id", name="Renamed signal", contents="process.path contains 'zipfldr'")
    updated = api.data(api.put(f"/intels/{created['id']}", json=signal))
    assert updated["id"] == created["id"] and updated["revisionId"] == 2
    assert updated["name"] == "Renamed signal"
    assert updated["compiled"]["text"] == "process.path contains 'zipfldr'"


def test_put_of_missing_document_is_404(api):
    response = api.upload(APT18, "apt18.ioc", method="PUT", path="/intels/4242")
    assert response.status_code == 404 and "not found" in response.json()["text"]


def test_put_with_invalid_content_is_400_and_changes_nothing(api):
    created = api.create(APT18, "apt18.ioc")
    bad = CORPUS / "invalid" / "truncated-xml_openioc1.0_APT18.ioc"
    assert api.upload(bad, "apt18.ioc", method="PUT", path=f"/intels/{created['id']}").status_code == 400
    assert api.srv.intels()[0]["revisionId"] == 1


def test_delete_by_query_removes_every_listed_document(api):
    ids = [api.create(APT18)["id"] for _copy in range(3)]
    response = api.delete("/intels/", params={"id": ids[:2]})
    # The answer a public client's tests captured: 200 with an empty JSON object.
    assert response.status_code == 200 and response.json() == {}
    assert [doc["id"] for doc in api.srv.intels()] == [ids[2]]


def test_delete_by_path_and_404_when_nothing_matched(api):
    doc_id = api.create(APT18)["id"]
    assert api.delete(f"/intels/{doc_id}").status_code == 204
    assert api.delete(f"/intels/{doc_id}").status_code == 404
    assert api.delete("/intels/", params={"id": doc_id}).status_code == 404


def test_delete_by_query_needs_an_id(api):
    assert api.delete("/intels/").status_code == 400


def test_list_is_id_descending_and_pages_with_limit_and_offset(api):
    ids = [api.create(APT18)["id"] for _copy in range(5)]
    assert [d["id"] for d in api.data(api.get("/intels", params={"limit": 2}))] == ids[::-1][:2]
    assert [d["id"] for d in api.data(api.get("/intels/", params={"limit": 2, "offset": 2}))] == ids[::-1][2:4]
    assert api.data(api.get("/intels", params={"limit": 2, "offset": 5})) == []


def test_list_default_limit_is_50(api):
    for index in range(55):
        api.srv.seed_intel(YARA_FIN4.read_bytes(), f"rule{index}.yara")
    assert len(api.data(api.get("/intels"))) == 50


@pytest.mark.parametrize("limit", ["501", "abc", "-1"])
def test_bad_limit_is_400(api, limit):
    assert api.get("/intels", params={"limit": limit}).status_code == 400


def test_limit_500_is_allowed(api):
    assert api.get("/intels", params={"limit": 500}).status_code == 200


def test_list_filters_by_name_description_type_and_label(api):
    apt18 = api.create(APT18)
    katz = api.create(SAFETYKATZ)
    yara = api.create(YARA_FIN4, "fin4.yara")
    api.put(f"/intels/{katz['id']}/labels", json={"id": 2})

    def names(**params):
        return [d["name"] for d in api.data(api.get("/intels", params=params))]

    assert names(name="hustle") == [apt18["name"]]  # case-insensitive substring by default
    assert names(description="spearphishing") == [apt18["name"]]
    assert names(type="yara") == [yara["name"]]
    assert names(labelId=2) == [katz["name"]]
    assert names(name="nothing like it") == []


def test_exact_name_filter_mode(make_server):
    api = Api(make_server(name_filter="exact"))
    doc = api.create(APT18)
    assert api.data(api.get("/intels", params={"name": "hustle"})) == []
    assert [d["id"] for d in api.data(api.get("/intels", params={"name": doc["name"]}))] == [doc["id"]]


def test_list_filters_signals_by_mitre_technique(api):
    api.post("/intels", json=json.loads(SIGNAL.read_text()))
    api.create(APT18)
    found = api.data(api.get("/intels", params={"mitreTechniqueId": "T1218.011"}))
    assert [d["type"] for d in found] == ["tanium-signal"]
