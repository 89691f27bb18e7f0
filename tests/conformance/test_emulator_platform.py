"""The platform API: endpoints, questions with answers over time, paging, saved questions, sensors,
groups, and quick scans (docs/wire-format.md#other-api-families)."""

from __future__ import annotations

import json
import time

from emulator_testkit import Api

UNRESOLVED = ("Get Computer Name and Detected Threats Path from all machines "
              "with Detected Threats Status contains unresolved")
INVOICE_MD5 = "3a4f23404f3caee307802ea4cf0a2363"


def _data(response, status=200):
    assert response.status_code == status, response.text
    return response.json()["data"]


def _ask(api, text, **extra):
    candidates = _data(api.post("/api/v2/parse_question", json={"text": text}))
    assert len(candidates) == 1
    return _data(api.post("/api/v2/questions", json=dict(candidates[0], **extra)))["id"]


def _rows(api, question_id, **options):
    headers = {"tanium-options": json.dumps(options)} if options else {}
    return _data(api.get(f"/api/v2/result_data/question/{question_id}", headers=headers))["result_sets"][0]


def test_system_status_lists_clients_then_stats_and_cache(api):
    entries = _data(api.get("/api/v2/system_status"))
    clients = [entry for entry in entries if "computer_id" in entry]
    assert len(clients) == len(entries) - 2
    assert "cache_id" in entries[-1] and "normal_count" in entries[-2]
    assert {c["host_name"] for c in clients} >= {"WIN-HR-03", "WIN-SALES-04", "WIN-FIN-01"}


def test_dec_endpoints_find_by_hostname_ignoring_case_and_by_ip(api):
    found = _data(api.get("/plugin/products/dec/v1/endpoints", params={"hostname": "win-hr-03"}))
    assert [(e["hostname"], e["platform"]) for e in found] == [("WIN-HR-03", "windows")]
    by_ip = _data(api.get("/plugin/products/dec/v1/endpoints", params={"ip": "10.20.2.21"}))
    assert [e["hostname"] for e in by_ip] == ["lnx-web-01"]
    assert api.get("/plugin/products/dec/v1/endpoints").status_code == 400


def test_platform_paths_need_the_session_header(api):
    assert api.get("/api/v2/system_status", token=None).status_code == 401
    assert api.post("/api/v2/parse_question", token="nope", json={"text": UNRESOLVED}).status_code == 401


def test_answers_arrive_over_time_with_no_estimate_at_first(make_server):
    api = Api(make_server(question_delay=1.0))
    question_id = _ask(api, UNRESOLVED, expire_seconds=120)
    first = _data(api.get(f"/api/v2/result_info/question/{question_id}"))["result_infos"][0]
    assert first["estimated_total"] == 0 and first["mr_tested"] == 0
    time.sleep(1.1)
    last = _data(api.get(f"/api/v2/result_info/question/{question_id}"))["result_infos"][0]
    assert last["mr_tested"] == last["estimated_total"] > 0


def test_unresolved_question_answers_with_special_values(make_server):
    api = Api(make_server(question_delay=0))
    result = _rows(api, _ask(api, UNRESOLVED))
    assert [c["name"] for c in result["columns"]] == ["Computer Name", "Detected Threats Path"]
    rows = {row["data"][0][0]["text"]: row["data"][1][0]["text"] for row in result["rows"]}
    assert rows["WIN-HR-03"].endswith("invoice_0423.pdf.exe")
    assert rows["WIN-SALES-04"].endswith("invoice_0423.pdf.exe")
    assert rows["WIN-KIOSK-06"] == "[current result unavailable]"
    assert rows["lnx-build-02"].startswith("TSE-Error:")
    assert "WIN-OPS-05" not in rows  # its only detection is resolved


def test_paging_with_tanium_options_keeps_one_snapshot(make_server):
    api = Api(make_server(question_delay=0, result_page_max=2))
    question_id = _ask(api, "Get Computer Name from all machines")
    first = _rows(api, question_id, row_start=0, row_count=500)
    assert len(first["rows"]) == 2 and first["row_count"] > 2
    rest = _rows(api, question_id, row_start=2, row_count=500, cache_id=first["cache_id"])
    assert rest["cache_id"] == first["cache_id"] and len(rest["rows"]) == 2
    assert api.get(f"/api/v2/result_data/question/{question_id}",
                   headers={"tanium-options": "nope"}).status_code == 400


def test_a_server_that_ignores_row_start_answers_the_first_rows_again(make_server):
    api = Api(make_server(question_delay=0, result_page_max=2, row_start_ignored=True))
    question_id = _ask(api, "Get Computer Name from all machines")
    first = _rows(api, question_id, row_start=0, row_count=500)
    again = _rows(api, question_id, row_start=2, row_count=500, cache_id=first["cache_id"])
    assert len(first["rows"]) == 2 and again["rows"] == first["rows"]


def test_ambiguous_text_gets_several_candidates_and_cannot_be_asked_as_text(api):
    candidates = _data(api.post("/api/v2/parse_question", json={"text": "Get Detected Threats from all machines"}))
    assert {c["question_text"] for c in candidates} == {"Get Detected Threats Path from all machines",
                                                        "Get Detected Threats Status from all machines"}
    assert api.post("/api/v2/questions", json={"query_text": "Get Detected Threats from all machines"}).status_code == 400


def test_parameterised_sensor_needs_its_parameters_in_the_select(make_server):
    api = Api(make_server(question_delay=0))
    text = "Get Folder Contents[C:\\Users\\mlee\\Downloads] from all machines"
    candidate = _data(api.post("/api/v2/parse_question", json={"text": text}))[0]
    assert candidate["parameter_values"] == ["C:\\Users\\mlee\\Downloads"]
    assert api.post("/api/v2/questions", json=candidate).status_code == 400
    sensor = _data(api.get("/api/v2/sensors/by-name/Folder%20Contents"))
    key = json.loads(sensor["parameter_definition"])["parameters"][0]["key"]
    select = {"sensor": {"source_hash": sensor["hash"], "name": sensor["name"],
                         "parameters": [{"key": f"||{key}||", "value": candidate["parameter_values"][0]}]}}
    question_id = _data(api.post("/api/v2/questions", json={"selects": [select]}))["id"]
    values = [row["data"][0][0]["text"] for row in _rows(api, question_id)["rows"]]
    assert "invoice_0423.pdf.exe" in values and "[no results]" in values
    assert api.get("/api/v2/sensors/by-name/No%20Such%20Sensor").status_code == 404


def test_saved_question_is_asked_again_when_its_result_info_is_read(make_server):
    api = Api(make_server(question_delay=0))
    saved = _data(api.get("/api/v2/saved_questions/by-name/Unresolved%20threats"))
    info = _data(api.get(f"/api/v2/result_info/saved_question/{saved['id']}"))["result_infos"][0]
    again = _data(api.get("/api/v2/saved_questions/by-name/unresolved%20threats"))
    assert again["question"]["id"] == info["question_id"] != saved["question"]["id"]
    data = _data(api.get(f"/api/v2/result_data/saved_question/{saved['id']}"))["result_sets"][0]
    assert data["question_id"] == info["question_id"]
    assert api.get("/api/v2/saved_questions/by-name/nothing").status_code == 404


def test_unknown_question_is_404(api):
    assert api.get("/api/v2/result_info/question/999").status_code == 404
    assert api.get("/api/v2/result_data/question/999").status_code == 404


def _hash_ioc(md5):
    return (f'<?xml version="1.0"?><ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="scan-test">'
            f'<short_description>scan test</short_description><definition><Indicator operator="OR" id="i">'
            f'<IndicatorItem id="i1" condition="is"><Context document="FileItem" search="FileItem/Md5sum" type="mir"/>'
            f'<Content type="md5">{md5}</Content></IndicatorItem></Indicator></definition></ioc>')


def test_on_demand_scan_raises_alerts_on_the_group_only_once(srv, api):
    doc = api.create(_hash_ioc(INVOICE_MD5).encode())
    group = _data(api.get("/api/v2/groups/by-name/Windows%20Computers"))
    scan = api.data(api.post("/on-demand-scans/", json={"intelDocId": doc["id"], "computerGroupId": group["id"]}))
    assert scan["alertCount"] == 3 and scan["intelDocId"] == doc["id"] and scan["questionId"]
    assert sorted(a["computerName"] for a in srv.alerts()) == ["WIN-HR-03", "WIN-OPS-05", "WIN-SALES-04"]
    api.data(api.post("/on-demand-scans", json={"intelDocId": doc["id"], "computerGroupId": group["id"]}))
    assert len(srv.alerts()) == 3
    linux = _data(api.get("/api/v2/groups/by-name/Linux%20Computers"))
    assert api.data(api.post("/on-demand-scans/", json={"intelDocId": doc["id"], "computerGroupId": linux["id"]}))[
        "alertCount"] == 0
    assert api.post("/on-demand-scans/", json={"intelDocId": 999, "computerGroupId": 1}).status_code == 404
    assert api.post("/on-demand-scans/", json={"intelDocId": doc["id"]}).status_code == 400


def test_quick_scan_on_3x_is_bare(make_server):
    api = Api(make_server(api_version="3"), family="3")
    doc = api.create(_hash_ioc(INVOICE_MD5).encode())
    scan = api.data(api.post("/quick-scans/", json={"intelDocId": doc["id"], "computerGroupId": 1}))
    assert scan["alertCount"] == 3


def test_faults_and_journal_cover_platform_paths(srv, api):
    srv.add_fault(method="GET", path=r"^/api/v2/result_data/question/", status=404)
    assert api.get("/api/v2/result_data/question/1").status_code == 404
    assert api.get("/api/v2/result_data/question/1").status_code == 200
    entries = [(e["method"], e["path"], e["status"], e["fault"]) for e in srv.journal]
    assert entries == [("GET", "/api/v2/result_data/question/1", 404, "status"),
                       ("GET", "/api/v2/result_data/question/1", 200, None)]
