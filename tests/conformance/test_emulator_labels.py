"""Labels and their attachment to intel (docs/wire-format.md#labels)."""

from __future__ import annotations

import json

from emulator_testkit import APT18, SIGNAL


def label_ids(labels):
    return [label["id"] for label in labels]


def test_seed_labels_exist_with_counts(api):
    labels = api.data(api.get("/labels"))
    assert [(label["id"], label["name"]) for label in labels] == [(1, "Alpha"), (2, "Beta"), (16, "Windows")]
    assert all(label["indicatorCount"] == 0 and label["signalCount"] == 0 for label in labels)
    assert api.data(api.get("/labels/16"))["name"] == "Windows"
    assert api.get("/labels/3").status_code == 404


def test_create_update_and_delete_a_label(api):
    label = api.data(api.post("/labels", json={"name": "managed-by-ansible", "description": "ours"}))
    assert label["id"] > 16 and label["description"] == "ours"
    renamed = api.data(api.put(f"/labels/{label['id']}", json={"description": "still ours"}))
    assert (renamed["name"], renamed["description"]) == ("managed-by-ansible", "still ours")
    assert api.delete(f"/labels/{label['id']}").status_code == 204
    assert api.get(f"/labels/{label['id']}").status_code == 404


def test_duplicate_label_name_is_a_conflict_case_insensitively(api):
    assert api.post("/labels", json={"name": "alpha"}).status_code == 409
    other = api.data(api.post("/labels", json={"name": "Gamma"}))
    assert api.put(f"/labels/{other['id']}", json={"name": "BETA"}).status_code == 409


def test_label_without_name_is_400(api):
    assert api.post("/labels", json={"description": "no name"}).status_code == 400
    assert api.post("/labels", data=b"", headers={"Content-Type": "application/json"}).status_code == 400


def test_label_list_refuses_limit_over_500(api):
    assert api.get("/labels", params={"limit": 501}).status_code == 400


def test_attach_returns_the_full_label_list_and_counts_follow(api):
    doc = api.create(APT18)
    signal = api.data(api.post("/intels", json=json.loads(SIGNAL.read_text())))
    assert label_ids(api.data(api.put(f"/intels/{doc['id']}/labels", json={"id": 2}))) == [2]
    assert label_ids(api.data(api.put(f"/intels/{doc['id']}/labels", json={"id": 1}))) == [1, 2]
    api.put(f"/intels/{signal['id']}/labels", json={"id": 2})
    assert api.data(api.get(f"/intels/{doc['id']}"))["labelIds"] == [1, 2]
    beta = api.data(api.get("/labels/2"))
    assert (beta["indicatorCount"], beta["signalCount"]) == (1, 1)
    assert label_ids(api.data(api.get(f"/intels/{doc['id']}/labels"))) == [1, 2]


def test_detach_returns_the_remaining_labels(api):
    doc = api.create(APT18)
    api.put(f"/intels/{doc['id']}/labels", json={"id": 1})
    api.put(f"/intels/{doc['id']}/labels", json={"id": 16})
    assert label_ids(api.data(api.delete(f"/intels/{doc['id']}/labels/1"))) == [16]
    assert api.data(api.get("/labels/1"))["indicatorCount"] == 0


def test_attaching_an_unknown_label_is_500(api):
    doc = api.create(APT18)
    response = api.put(f"/intels/{doc['id']}/labels", json={"id": 999})
    assert response.status_code == 500
    assert api.srv.intels()[0]["labelIds"] == []


def test_attaching_to_a_missing_intel_is_404_and_bad_body_is_400(api):
    assert api.put("/intels/77/labels", json={"id": 1}).status_code == 404
    doc = api.create(APT18)
    assert api.put(f"/intels/{doc['id']}/labels", json={"name": "Alpha"}).status_code == 400


def test_deleting_a_label_detaches_it_everywhere(api):
    doc = api.create(APT18)
    api.put(f"/intels/{doc['id']}/labels", json={"id": 2})
    assert api.delete("/labels/2").status_code == 204
    assert api.srv.intels()[0]["labelIds"] == []


def test_deleting_an_intel_updates_label_counts(api):
    doc = api.create(APT18)
    api.put(f"/intels/{doc['id']}/labels", json={"id": 2})
    api.delete(f"/intels/{doc['id']}")
    assert api.data(api.get("/labels/2"))["indicatorCount"] == 0


def test_seed_intel_attaches_labels_by_name_creating_missing_ones(api):
    doc = api.srv.seed_intel(APT18.read_bytes(), "apt18.ioc", labels=["Beta", "hunt"], description="seeded")
    names = {label["id"]: label["name"] for label in api.srv.labels()}
    assert sorted(names[i] for i in doc["labelIds"]) == ["Beta", "hunt"]
    assert doc["description"] == "seeded"
    assert api.srv.journal == []
