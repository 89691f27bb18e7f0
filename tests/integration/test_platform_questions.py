"""endpoint_info and question_info through ansible-playbook against the emulator's platform API.

The fleet (tests/emulator/fleet.json): WIN-HR-03 and WIN-SALES-04 report an unresolved
invoice_0423.pdf.exe; WIN-KIOSK-06 answers the Detected Threats sensors "[current result
unavailable]", lnx-build-02 a "TSE-Error:".
"""

import time

import pytest

UNRESOLVED = ("Get Computer Name and Detected Threats Path from all machines "
              "with Detected Threats Status contains unresolved")
FOLDER = "Get Folder Contents[C:\\Users\\mlee\\Downloads] from all machines"


def ask(name="ask", **options):
    options.setdefault("wait_sleep", 1)
    return {"name": name, "tanium.threat_response.question_info": options}


def calls(emulator, method, prefix):
    return [entry for entry in emulator.journal if entry["method"] == method and entry["path"].startswith(prefix)]


def hosts(rows):
    return sorted(row["Computer Name"][0] for row in rows)


# --- endpoint_info ---
def test_endpoint_by_hostname_ignores_case_and_reads_the_platform(emulator, run_playbook):
    run = run_playbook([{"name": "find", "tanium.threat_response.endpoint_info": {"hostname": "win-hr-03"}}])
    assert run.rc == 0, run.output
    result = run.task("find")
    assert result["changed"] is False
    [endpoint] = result["endpoints"]
    assert (endpoint["hostname"], endpoint["ip"], endpoint["platform"]) == ("WIN-HR-03", "10.20.1.13", "windows")
    [dec] = calls(emulator, "GET", "/plugin/products/dec/v1/endpoints")
    assert dec["query"] == {"clientId": [endpoint["client_id"]]}
    assert emulator.writes() == []


def test_all_endpoints_leave_out_the_stats_and_cache_entries(emulator, run_playbook):
    run = run_playbook([{"name": "all", "tanium.threat_response.endpoint_info": {}},
                        {"name": "by ip", "tanium.threat_response.endpoint_info": {"ip": "10.20.2.21"}}])
    assert run.rc == 0, run.output
    endpoints = run.task("all")["endpoints"]
    assert len(endpoints) == 9 and all(e["client_id"] and e["hostname"] for e in endpoints)
    assert [e["hostname"] for e in run.task("by ip")["endpoints"]] == ["lnx-web-01"]


def test_endpoint_platform_is_null_when_the_server_has_no_dec_api(emulator, run_playbook):
    emulator.add_fault(method="GET", path="^/plugin/products/dec/", status=404, times=None)
    run = run_playbook([{"name": "find", "tanium.threat_response.endpoint_info": {"hostname": "WIN-HR-03"}}])
    assert run.rc == 0, run.output
    assert run.task("find")["endpoints"][0]["platform"] is None
    assert "dec/v1/endpoints" in run.output


# --- question_info ---
@pytest.mark.emulator(question_delay=2.0)
def test_question_waits_past_the_zero_estimate_and_sorts_special_values(emulator, run_playbook):
    run = run_playbook([ask(text=UNRESOLVED, expire_seconds=120)])
    assert run.rc == 0, run.output
    result = run.task("ask")
    assert result["changed"] is False and result["complete"] is True
    assert result["columns"] == ["Computer Name", "Detected Threats Path"]
    assert hosts(result["rows"]) == ["WIN-HR-03", "WIN-SALES-04"]
    assert all(row["Detected Threats Path"][0].endswith("invoice_0423.pdf.exe") for row in result["rows"])
    assert hosts(result["unavailable"]) == ["WIN-KIOSK-06"]
    assert hosts(result["errors"]) == ["lnx-build-02"]
    assert result["tested"] == result["estimated_total"] == 9
    assert emulator.core.questions.questions[result["question_id"]].expire_seconds == 120
    order = [e["path"] for e in emulator.journal if e["path"].startswith("/api/v2/")]
    assert order[:2] == ["/api/v2/parse_question", "/api/v2/questions"]
    assert len(calls(emulator, "GET", "/api/v2/result_info/question/")) >= 2  # the estimate was 0 at first
    assert emulator.writes() == [e for e in emulator.writes() if e["path"].startswith("/api/v2/")]


@pytest.mark.emulator(question_delay=120.0)
def test_wait_timeout_returns_what_came_back_incomplete(emulator, run_playbook):
    started = time.monotonic()
    run = run_playbook([ask(text=UNRESOLVED, wait_timeout=3)])
    assert run.rc == 0, run.output
    result = run.task("ask")
    assert result["complete"] is False and result["tested"] < 9
    assert time.monotonic() - started < 60
    assert len(calls(emulator, "GET", "/api/v2/result_data/question/")) == 1


@pytest.mark.emulator(question_delay=120.0)
def test_a_server_asking_to_retry_much_later_does_not_stretch_the_wait(emulator, run_playbook):
    # The first progress read passes; every later one is a 503 asking for a pause far past wait_timeout.
    emulator.add_fault(method="GET", path="/result_info/question/", action="delay", delay=0, times=1)
    emulator.add_fault(method="GET", path="/result_info/question/", status=503, retry_after=100000, times=None)
    started = time.monotonic()
    run = run_playbook([ask(text=UNRESOLVED, wait_timeout=4)])
    assert run.rc == 0, run.output
    assert run.task("ask")["complete"] is False
    assert time.monotonic() - started < 30


def test_ambiguous_text_fails_naming_the_readings_and_asks_nothing(emulator, run_playbook):
    run = run_playbook([ask(text="Get Detected Threats from all machines")])
    assert run.rc != 0
    message = run.task("ask")["msg"]
    assert "Get Detected Threats Path from all machines" in message
    assert "Get Detected Threats Status from all machines" in message
    assert calls(emulator, "POST", "/api/v2/questions") == []


@pytest.mark.emulator(question_delay=0, result_page_max=2)
def test_all_rows_are_read_page_by_page_in_check_mode_too(emulator, run_playbook):
    run = run_playbook([ask(text=UNRESOLVED)], check=True)
    assert run.rc == 0, run.output
    result = run.task("ask")
    assert len(result["rows"]) + len(result["unavailable"]) + len(result["errors"]) == 4
    assert len(calls(emulator, "GET", "/api/v2/result_data/question/")) == 2


@pytest.mark.emulator(question_delay=0)
def test_a_transient_404_on_result_data_is_retried_once(emulator, run_playbook):
    emulator.add_fault(method="GET", path="^/api/v2/result_data/question/", status=404, times=1)
    emulator.add_fault(method="GET", path="^/api/v2/result_info/question/", status=503, times=1)
    run = run_playbook([ask(text=UNRESOLVED)])
    assert run.rc == 0, run.output
    assert hosts(run.task("ask")["rows"]) == ["WIN-HR-03", "WIN-SALES-04"]
    statuses = [e["status"] for e in calls(emulator, "GET", "/api/v2/result_data/question/")]
    assert statuses == [404, 200]


@pytest.mark.emulator(question_delay=0)
def test_a_lasting_404_on_result_data_fails(emulator, run_playbook):
    emulator.add_fault(method="GET", path="^/api/v2/result_data/question/", status=404, times=None)
    run = run_playbook([ask(text=UNRESOLVED)])
    assert run.rc != 0
    assert len(calls(emulator, "GET", "/api/v2/result_data/question/")) == 2


@pytest.mark.emulator(question_delay=0)
def test_parameterised_sensor_and_no_results_dropped(emulator, run_playbook):
    run = run_playbook([ask(text=FOLDER)])
    assert run.rc == 0, run.output
    assert run.task("ask")["rows"] == [{"Folder Contents": ["invoice_0423.pdf.exe"]}]
    assert calls(emulator, "GET", "/api/v2/sensors/by-name/Folder%20Contents")


@pytest.mark.emulator(question_delay=0)
def test_saved_question_is_asked_again_only_with_refresh(emulator, run_playbook):
    first_question = emulator.core.questions.saved[1]["question_id"]
    run = run_playbook([ask("stale", saved_question="Unresolved threats", refresh=False)])
    assert run.rc == 0, run.output
    assert run.task("stale")["question_id"] == first_question
    assert calls(emulator, "GET", "/api/v2/result_info/saved_question/") == []
    run = run_playbook([ask("fresh", saved_question="Unresolved threats")])
    assert run.rc == 0, run.output
    fresh = run.task("fresh")
    assert fresh["question_id"] != first_question and fresh["saved_question_id"] == 1
    assert hosts(fresh["rows"]) == ["WIN-HR-03", "WIN-SALES-04"]
    assert len(calls(emulator, "GET", "/api/v2/result_info/saved_question/1")) == 1


def test_unknown_saved_question_is_a_clear_error(emulator, run_playbook):
    run = run_playbook([ask(saved_question="No such question")])
    assert run.rc != 0
    assert "no saved question named 'No such question'" in run.task("ask")["msg"]


ALL = "Get Computer Name from all machines"  # one row per endpoint: 9


@pytest.mark.emulator(question_delay=0, result_page_max=2, row_start_ignored=True)
def test_a_server_that_ignores_row_start_fails_the_task_after_two_pages(emulator, run_playbook):
    run = run_playbook([ask(text=ALL)])
    assert run.rc != 0
    assert "answered the same rows again for row_start 2" in run.task("ask")["msg"]
    assert "Traceback" not in run.output
    assert len(calls(emulator, "GET", "/api/v2/result_data/question/")) == 2


@pytest.mark.emulator(question_delay=0, result_page_max=2)
def test_max_rows_reads_only_the_first_rows_and_says_so(emulator, run_playbook):
    run = run_playbook([ask(text=ALL, max_rows=3)])
    assert run.rc == 0, run.output
    result = run.task("ask")
    assert (len(result["rows"]), result["row_count"], result["truncated"]) == (3, 9, True)
    assert "the answer holds 9 rows; only the first 3 were read (max_rows)" in run.output
    assert len(calls(emulator, "GET", "/api/v2/result_data/question/")) == 2
    everything = run_playbook([ask("all", text=ALL)])
    assert (len(everything.task("all")["rows"]), everything.task("all")["truncated"]) == (9, False)


@pytest.mark.emulator(question_delay=0)
def test_a_slow_result_data_read_ends_the_task_within_wait_timeout(emulator, run_playbook):
    emulator.add_fault(method="GET", path="^/api/v2/result_data/question/", action="delay", delay=20, times=1)
    started = time.monotonic()
    run = run_playbook([ask(text=UNRESOLVED, wait_timeout=5)])
    elapsed = time.monotonic() - started
    assert run.rc != 0 and elapsed < 12, elapsed
    message = run.task("ask")["msg"]
    assert message.startswith("gave up after wait_timeout (5 seconds) while reading the answers to question "), message
    assert "Traceback" not in run.output
    assert calls(emulator, "POST", "/api/v2/questions") and calls(emulator, "GET", "/api/v2/result_info/question/")


def test_max_rows_below_one_is_refused_before_any_request(emulator, run_playbook):
    run = run_playbook([ask(text=ALL, max_rows=0)])
    assert run.rc != 0 and run.task("ask")["msg"] == "max_rows must be at least 1"
    assert emulator.journal == []
