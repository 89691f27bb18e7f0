"""Strict mode and the evidence-driven modes: label update forms, labelIds absent, 400-not-found."""

from __future__ import annotations

import json

import pytest

from emulator_testkit import APT18, CYBOX, SIGNAL, STIX_HASH, YARA_FIN4, Api

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
    assert strict_api.upload(APT18, "apt18.ioc").status_code == 200


# OpenCTI's tanium-intel connector, stream/tanium-intel/src/tanium_intel_connector/api_handler.py
# (docs/wire-format.md#upload-headers): the headers of each upload through a source.
OPENCTI_CREATES = {
    "openioc": (APT18, {"Content-Type": "application/xml", "type": "openioc"}),
    "stix": (STIX_HASH, {"Content-Type": "application/xml", "type": "stix"}),
    "cybox": (CYBOX, {"Content-Type": "application/xml", "type": "cybox"}),
    "yara": (YARA_FIN4, {"Content-Type": "application/octet-stream", "type": "yara", "name": "FIN4",
                         "description": "macro", "Content-Disposition": "attachment; filename=FIN4.yara"}),
}


def post_to_source(api, path, headers, source=None):
    source = source or source_id(api)
    return api.call("POST", f"/sources/{source}/intels", data=path.read_bytes(), headers=headers)


@pytest.mark.parametrize("kind", sorted(OPENCTI_CREATES))
def test_strict_takes_opencti_source_uploads_as_sent_and_nothing_less(strict_api, kind):
    path, headers = OPENCTI_CREATES[kind]
    source = source_id(strict_api)
    created = strict_api.data(post_to_source(strict_api, path, headers, source))
    assert (created["type"], created["sourceId"]) == (kind, source)
    without_type = {name: value for name, value in headers.items() if name != "type"}
    assert post_to_source(strict_api, path, without_type, source).status_code == 400
    other_type = dict(headers, type="stix" if kind != "stix" else "openioc")
    assert post_to_source(strict_api, path, other_type, source).status_code == 400
    other_content_type = dict(headers, **{"Content-Type": "text/plain"})
    assert post_to_source(strict_api, path, other_content_type, source).status_code == 400


def test_strict_source_uploads_of_xml_name_no_file_and_of_yara_name_a_yara_file(strict_api):
    source = source_id(strict_api)
    named_xml = dict(OPENCTI_CREATES["openioc"][1], **{"Content-Disposition": "attachment; filename=a.ioc"})
    assert post_to_source(strict_api, APT18, named_xml, source).status_code == 400
    yara = OPENCTI_CREATES["yara"][1]
    for change in ({"Content-Disposition": "attachment; filename=FIN4"}, {"name": ""}):
        assert post_to_source(strict_api, YARA_FIN4, dict(yara, **change), source).status_code == 400
    created = strict_api.data(post_to_source(strict_api, YARA_FIN4, yara, source))
    assert (created["name"], created["intrinsicId"], created["description"]) == ("FIN4", "FIN4.yara", "macro")


def test_strict_seed_route_takes_the_how_to_form_and_no_opencti_headers(strict_api):
    # Tanium's how-to, XSOAR and Splunk SOAR: a file name and a content type.
    assert strict_api.upload(APT18, "apt18.ioc").status_code == 200
    assert strict_api.upload(YARA_FIN4, "FIN4.yara",
                             headers={"Content-Type": "application/octet-stream"}).status_code == 200
    for extra in ({"type": "openioc"}, {"name": "x"}):
        assert strict_api.upload(APT18, "apt18.ioc", headers=extra).status_code == 400
    assert strict_api.upload(YARA_FIN4, "FIN4.yara", headers={"description": "x"}).status_code == 400
    no_name = strict_api.call("POST", "/intels", data=APT18.read_bytes(), headers={"Content-Type": "application/xml"})
    assert no_name.status_code == 400
    assert strict_api.upload(APT18, "apt18.ioc", headers={"Content-Type": "text/plain"}).status_code == 400


def test_strict_yara_through_a_source_is_an_attachment_on_detect3_too(make_server):
    # detect3 takes a bare `filename=` (docs/wire-format.md#upload-headers); OpenCTI's form never sends one.
    api = Api(make_server(strict=True, api_version="3"), family="3")
    source = api.data(api.post("/sources", json={"type": "api-client", "name": "ours", "description": ""}))["id"]
    headers = OPENCTI_CREATES["yara"][1]
    bare = dict(headers, **{"Content-Disposition": "filename=FIN4.yara"})
    assert post_to_source(api, YARA_FIN4, bare, source).status_code == 400
    assert post_to_source(api, YARA_FIN4, headers, source).status_code == 200


def test_strict_updates_take_opencti_or_xsoar_headers_but_not_a_mix(strict_api):
    ioc = strict_api.create(APT18, "apt18.ioc")
    put = f"/intels/{ioc['id']}"
    body = APT18.read_bytes()
    for type_header in ("ioc", "openioc"):  # the connector now, and an older revision of it
        answer = strict_api.put(put, data=body, headers={"Content-Type": "application/xml", "type": type_header})
        assert answer.status_code == 200 and answer.json()["data"]["id"] == ioc["id"]
    xsoar = {"Content-Type": "application/xml", "Content-Disposition": "attachment; filename=file.ioc"}
    assert strict_api.put(put, data=body, headers=xsoar).status_code == 200
    assert strict_api.put(put, data=body, headers=dict(xsoar, type="ioc")).status_code == 400
    assert strict_api.put(put, data=body, headers={"Content-Type": "application/xml"}).status_code == 400
    yara = strict_api.create(YARA_FIN4, "FIN4.yara", headers={"Content-Type": "application/octet-stream"})
    opencti_yara = {"Content-Type": "application/octet-stream", "type": "yara", "name": "FIN4",
                    "Content-Disposition": "attachment; filename=FIN4.yara"}
    updated = strict_api.put(f"/intels/{yara['id']}", data=YARA_FIN4.read_bytes() + b"\n", headers=opencti_yara)
    assert updated.status_code == 200 and updated.json()["data"]["name"] == "FIN4"
    no_name = {name: value for name, value in opencti_yara.items() if name != "name"}
    assert strict_api.put(f"/intels/{yara['id']}", data=YARA_FIN4.read_bytes(), headers=no_name).status_code == 400


def test_a_server_without_sources_answers_404_there_and_takes_post_intels(make_server):
    api = Api(make_server(strict=True, sources=False))
    assert api.get("/sources").status_code == 404
    assert api.post("/sources", json={"type": "api-client", "name": "ours", "description": ""}).status_code == 404
    headers = OPENCTI_CREATES["openioc"][1]
    assert api.call("POST", "/sources/1/intels", data=APT18.read_bytes(), headers=headers).status_code == 404
    assert api.create(APT18, "apt18.ioc")["sourceId"] == 1
    api.srv.configure(sources=True)
    assert api.get("/sources").status_code == 200


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
