"""Strict mode and the evidence-driven modes: label update forms, labelIds absent, 400-not-found."""

from __future__ import annotations

import json

import pytest

from emulator_testkit import APT18, SIGNAL, YARA_FIN4, Api

SIGNAL_BODY = {"name": "rundll32 from temp", "description": "d", "platforms": ["windows"],
               "contents": "process.path contains 'rundll32'"}


@pytest.fixture
def strict_api(make_server):
    return Api(make_server(strict=True))


def source_id(api):
    created = api.post("/sources", json={"type": "api-client", "name": "ours", "description": ""})
    return api.data(created)["id"]


def test_strict_refuses_signal_json_posted_to_intels_and_takes_it_through_a_source(strict_api):
    assert strict_api.post("/intels", json=SIGNAL_BODY).status_code == 400
    created = strict_api.data(strict_api.post(f"/sources/{source_id(strict_api)}/intels", json=SIGNAL_BODY))
    assert created["type"] == "tanium-signal"
    # Updates stay PUT intels/{id}, with the same four fields.
    assert strict_api.put(f"/intels/{created['id']}", json=dict(SIGNAL_BODY, description="e")).status_code == 200


def test_strict_refuses_signal_fields_no_client_sends(strict_api):
    body = json.loads(SIGNAL.read_text())
    assert set(body) - set(SIGNAL_BODY), "the fixture should carry an extra field"
    answer = strict_api.post(f"/sources/{source_id(strict_api)}/intels", json=body)
    assert answer.status_code == 400 and "only" in answer.json()["text"]


def test_strict_refuses_a_quoted_file_name_and_a_description_header_off_yara(strict_api):
    quoted = strict_api.upload(APT18, disposition='attachment; filename="apt18.ioc"')
    assert quoted.status_code == 400
    described = strict_api.upload(APT18, "apt18.ioc", headers={"description": "x"})
    assert described.status_code == 400
    yara = strict_api.upload(YARA_FIN4, "FIN4_MACROCHECK", headers={"description": "x"})
    assert yara.status_code == 200 and yara.json()["data"]["description"] == "x"
    assert strict_api.upload(APT18, "apt18.ioc").status_code == 200


def test_strict_label_update_by_path_is_missing_and_by_query_works(strict_api):
    assert strict_api.put("/labels/1", json={"description": "x"}).status_code == 404
    updated = strict_api.data(strict_api.put("/labels", params={"id": 1}, json={"description": "x"}))
    assert (updated["id"], updated["description"]) == (1, "x")
    assert strict_api.get("/labels", params={"limit": 500, "offset": 0}).status_code == 400
    assert strict_api.get("/labels", params={"limit": 500}).status_code == 200


def test_lenient_mode_serves_both_label_update_forms(api):
    assert api.put("/labels/1", json={"description": "x"}).status_code == 200
    assert api.put("/labels", params={"id": 2}, json={"description": "y"}).status_code == 200
    assert api.put("/labels", params={"id": [1, 2]}, json={"description": "y"}).status_code == 400


def test_label_ids_absent_mode_leaves_them_out_of_4x_intel_objects(make_server):
    api = Api(make_server(label_ids_absent=True))
    created = api.create(APT18, "apt18.ioc")
    assert "labelIds" not in created
    api.put(f"/intels/{created['id']}/labels", json={"id": 1})
    assert "labelIds" not in api.data(api.get(f"/intels/{created['id']}"))
    # Membership is still visible through the labelId filter and the document's label list.
    assert [doc["id"] for doc in api.data(api.get("/intels", params={"labelId": 1}))] == [created["id"]]
    assert [label["id"] for label in api.data(api.get(f"/intels/{created['id']}/labels"))] == [1]


def test_missing_intel_may_answer_400_not_found(make_server):
    api = Api(make_server(missing_intel_status=400))
    answer = api.get("/intels/4242")
    assert answer.status_code == 400 and "not found" in answer.json()["text"]
