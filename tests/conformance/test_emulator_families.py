"""Path families, envelopes and the routing errors (docs/wire-format.md#base-url-api-families-and-envelope, #intel-documents)."""

from __future__ import annotations

import json

from emulator_testkit import APT18, PREFIXES, SIGNAL, TR, YARA_FIN4, Api, hash_ioc

FOUR_ONLY_INTEL_FIELDS = {"blobId", "firstDeploymentTimestamp", "lastDeploymentTimestamp",
                          "disabled", "status"}


def test_default_mode_serves_threat_response_with_data_envelope(api):
    response = api.get("/intels")
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"data": [], "meta": {"totalCount": 0}}


def test_default_mode_does_not_serve_detect3(api):
    response = api.get(PREFIXES["3"] + "/intels")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"code": "NotFound",
                                           "description": PREFIXES["3"] + "/intels does not exist"}]}


def test_version_3_serves_detect3_bare_json_and_not_threat_response_intels(make_server):
    api3 = Api(make_server(api_version="3"), family="3")
    assert api3.get("/intels").json() == []
    assert api3.get(TR + "/intels").status_code == 404


def test_deploy_and_status_stay_on_threat_response_with_envelope_in_version_3(make_server):
    api3 = Api(make_server(api_version="3"), family="3")
    status = api3.get(TR + "/intel/status").json()
    assert set(status["data"]) == {"createdAt", "modifiedAt", "currentRevision", "currentSize",
                                   "pendingRevision", "pendingSize"}
    assert api3.post(TR + "/intel/deploy", json={}).json()["data"]["taskId"] == 1
    assert api3.get(PREFIXES["3"] + "/intel/status").status_code == 404


def test_both_mode_shares_one_store_and_renders_per_family(make_server):
    srv = make_server(api_version="both")
    api3, api4 = Api(srv, family="3"), Api(srv, family="4")
    created = api3.data(api3.post("/intels", json=json.loads(SIGNAL.read_text())))
    as3 = api3.data(api3.get(f"/intels/{created['id']}"))
    as4 = api4.data(api4.get(f"/intels/{created['id']}"))
    # docs/wire-format.md#base-url-api-families-and-envelope: detect3 sends compiled/mitreAttack as JSON strings, threat-response as objects.
    assert isinstance(as3["compiled"], str) and isinstance(as3["mitreAttack"], str)
    assert json.loads(as3["compiled"]) == as4["compiled"]
    assert json.loads(as3["mitreAttack"]) == as4["mitreAttack"]
    assert FOUR_ONLY_INTEL_FIELDS <= set(as4) and not FOUR_ONLY_INTEL_FIELDS & set(as3)


def test_bare_filename_disposition_is_refused_on_4x(api):
    response = api.upload(APT18, disposition="filename=apt18.ioc")
    assert response.status_code == 400
    assert "attachment" in response.json()["text"]
    assert api.srv.intels() == []


def test_bare_and_quoted_filename_dispositions_are_accepted_on_detect3(make_server):
    api3 = Api(make_server(api_version="3"), family="3")
    for disposition in ("filename=apt18.ioc", 'filename="apt18.ioc"', "attachment; filename=apt18.ioc"):
        assert api3.upload(APT18, disposition=disposition).status_code == 200
    assert len(api3.srv.intels()) == 3


def test_attachment_requirement_is_a_config_flag(make_server):
    api = Api(make_server(require_attachment_disposition=False))
    assert api.upload(APT18, disposition="filename=apt18.ioc").status_code == 200


def test_an_xml_upload_needs_no_file_name_but_a_yara_upload_does(api):
    # OpenCTI's connector names no file for OpenIOC and STIX: they carry their name and identity.
    xml = api.call("POST", "/intels", data=APT18.read_bytes(), headers={"Content-Type": "application/xml"})
    assert xml.status_code == 200 and api.data(xml)["name"] == "DEMONSTRATING HUSTLE - APT18 (BLOG)"
    yara = api.call("POST", "/intels", data=YARA_FIN4.read_bytes(),
                    headers={"Content-Type": "application/octet-stream"})
    assert yara.status_code == 400
    assert "Content-Disposition" in yara.json()["text"]


def test_unknown_path_is_404_with_errors_body(api):
    response = api.get("/plugin/products/threat-response/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


def test_wrong_method_on_known_path_is_405(api):
    assert api.call("PATCH", "/intels/1").status_code == 405
    assert api.post("/intel/status").status_code == 405


def test_missing_intel_is_404_with_not_found_text(api):
    response = api.get("/intels/999")
    assert response.status_code == 404
    assert "not found" in response.json()["text"]


def test_request_body_over_max_body_is_413(make_server):
    api = Api(make_server(max_body=1024))
    response = api.upload(b"<ioc>" + b" " * 4096 + b"</ioc>")
    assert response.status_code == 413
    assert api.srv.intels() == []


def test_lists_are_capped_below_limit_and_4x_pages_carry_the_total(make_server):
    server = make_server(list_page_max=3, api_version="both")
    api = Api(server)
    for number in range(7):
        server.seed_intel(hash_ioc(f"cap-{number}", {"md5": f"{number:032x}"}, name=f"cap {number}"), "x.ioc")
    first = api.get("/intels", params={"limit": 500})
    assert len(first.json()["data"]) == 3 and first.json()["meta"] == {"totalCount": 7}
    last = api.get("/intels", params={"limit": 500, "offset": 6}).json()
    assert len(last["data"]) == 1 and last["meta"] == {"totalCount": 7}
    beyond = api.get("/intels", params={"limit": 500, "offset": 7}).json()
    assert beyond == {"data": [], "meta": {"totalCount": 7}}
    bare = api.get(PREFIXES["3"] + "/intels", params={"limit": 500}).json()
    assert isinstance(bare, list) and len(bare) == 3  # 3.x: bare list, no total
