"""No secret in any output: every module, at -vvvv with ANSIBLE_DEBUG=1 and --diff, succeeding and failing.

One playbook per way of logging in (API token; username and password) runs every module that talks to
the server (intel_check has no connection) four times: working, with a bad credential, against a closed
port, and against a server that answers 500. Then stdout, stderr, the log file and every task result
(diffs included) are searched for the token, the passwords and each login session the server issued.
"""

import html
import json
import re
import socket
from pathlib import Path
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[2]
FIN4 = REPO / "tests" / "fixtures" / "corpus" / "yara" / "FIN4_MACROCHECK.yara"
TOKEN = "tok-SECRET-4d1f8c2e9b7a6d30"
PASSWORD = "pw-SECRET-9a7b3e61f0c25d84"
BAD_TOKEN = "tok-SECRET-bad-77e0c4d2a9f1b356"
BAD_PASSWORD = "pw-SECRET-wrong-5c8e2b7d4a16e093"
HUNT = "SECRETS CHECK HUNT"
# A file that two endpoints of the emulator's fleet hold (tests/emulator/fleet.json): deploying a hunt
# for it raises alerts, so alert_info and alert have something to read and change.
SHARED_HASH = "b8cf3640443c280fbfb12c279309ca09"
# ansible-core's debug line listing a module's arguments (ansible/plugins/action/__init__.py, _execute_module).
CORE_DEBUG_OF_MODULE_ARGUMENTS = re.compile(r" *\d+ \d+\.\d+: done with _execute_module \(tanium\.threat_response\.\w+, \{")
MODULES = ("label", "intel", "intel_sync", "intel_info", "intel_deploy", "intel_status_info", "alert_info", "alert",
           "endpoint_info", "question_info", "intel_scan", "file_collect")
WORKING = {
    "label": {"name": "Secrets-Check", "description": "made by the secrets test"},
    "intel": {"content": f"{{{{ '{SHARED_HASH}' | tanium.threat_response.to_openioc('{HUNT}') }}}}",
              "labels": ["Secrets-Check"]},
    "intel_sync": {"documents": [{"src": str(FIN4)}], "labels": ["Secrets-Check"]},
    "intel_info": {"label": "Secrets-Check"},
    "intel_deploy": {"wait": True, "wait_sleep": 1},
    "intel_status_info": {"name": HUNT},
    "alert_info": {"intel_name": HUNT},
    "alert": {"id": "{{ alerts_found.alerts[0].id }}", "state": "resolved"},
    "endpoint_info": {"hostname": "WIN-HR-03"},
    "question_info": {"text": "Get Computer Name from all machines", "wait_sleep": 1},
    "intel_scan": {"intel_name": HUNT, "computer_group": "Windows Computers"},
    "file_collect": {"hostname": "WIN-HR-03", "path": "C:\\Users\\mlee\\Downloads\\invoice_0423.pdf.exe",
                     "dest": "{{ playbook_dir }}/", "wait_sleep": 1},
}
FAILING = dict(WORKING, intel_sync={"documents": [{"src": str(FIN4)}]}, intel_status_info={},
               alert={"id": 1, "state": "resolved"})


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def module_tasks(kind, arguments):
    tasks = []
    for module in MODULES:
        task = {"name": f"{kind} {module}", f"tanium.threat_response.{module}": arguments[module]}
        if kind != "working":
            task["ignore_errors"] = True
        if module == "alert_info":
            task["register"] = "alerts_found"
        tasks.append(task)
    return tasks


def block(kind, credentials, arguments):
    return {"name": kind, "block": module_tasks(kind, arguments),
            "module_defaults": {"group/tanium.threat_response.all": credentials}}


def playbook(emulator, credentials, bad_credentials):
    fail_everything = {"path": "^/(plugin|api/v2/(system_status|parse_question))", "status": 500, "times": None, "body": {"text": "internal error"}}
    return [
        block("working", credentials, WORKING),
        block("bad credential", bad_credentials, FAILING),
        block("closed port", dict(credentials, url=f"https://127.0.0.1:{closed_port()}", retries=0), FAILING),
        {"name": "From now on, every API call but the login fails with 500",
         "ansible.builtin.uri": {"url": f"{emulator.url}/_emulator/faults", "method": "POST", "body_format": "json",
                                 "body": fail_everything, "ca_path": emulator.ca_file}},
        block("server error", credentials, FAILING),
    ]


def issued_sessions(emulator):
    sessions = emulator.core.sessions
    with sessions._lock:
        return set(sessions._last_used) | set(sessions._expired)


def assert_no_secret_anywhere(run, log_file, secrets, sessions=(), core_debug_lines=4 * len(MODULES)):
    """No secret in any line, except the module arguments ansible-core itself prints under ANSIBLE_DEBUG.

    ansible-core documents that ANSIBLE_DEBUG output "can also include secret information despite no_log
    settings being enabled" (config DEFAULT_DEBUG): it prints the arguments of every module it runs, as the
    playbook gave them. A login session never is an argument, so it may appear nowhere at all.
    """
    places = {"stdout": run.stdout, "stderr": run.stderr, "log file": log_file.read_text(),
              "task results and diffs": json.dumps(run.results)}
    seen_core_debug_lines = 0
    for place, text in places.items():
        for line in text.splitlines():
            if CORE_DEBUG_OF_MODULE_ARGUMENTS.match(line):
                seen_core_debug_lines += 1
                leaked = [session for session in sessions if session in line]
            else:
                leaked = [secret for secret in [*secrets, *sessions] if secret in line]
            assert not leaked, f"a secret is in the {place}: {line[:120]}"
    assert seen_core_debug_lines >= core_debug_lines  # ANSIBLE_DEBUG was on


def assert_each_block_behaved(run):
    for module in MODULES:
        assert run.status(f"working {module}") == "ok", run.task(f"working {module}")
        assert run.task(f"bad credential {module}")["msg"].endswith(
            ("api_token_trusted_ip_address_list)", "was refused: Invalid username or password")), module
        assert "connection refused" in run.task(f"closed port {module}")["msg"], module
        assert "HTTP 500: internal error" in run.task(f"server error {module}")["msg"], module
    assert run.task("working alert")["alert"]["state"] == "resolved"
    assert "diff" in run.task("working label") and "diff" in run.task("working intel")


@pytest.fixture
def run_verbose(run_playbook, tmp_path):
    log_file = tmp_path / "ansible.log"

    def run(tasks, env):
        verbose = dict(env, ANSIBLE_DEBUG="1", ANSIBLE_LOG_PATH=str(log_file))
        return run_playbook(tasks, diff=True, args=["-vvvv"], env=verbose), log_file

    return run


def masked_argument(result, option):
    """The option is masked in the echoed module arguments (ansible-core 2.21 no longer echoes them)."""
    arguments = result.get("invocation", {}).get("module_args", {option: "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"})
    return arguments[option] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


@pytest.mark.emulator(api_token=TOKEN, password=PASSWORD, deploy_delay=0.2)
def test_an_api_token_never_appears_in_any_output(emulator, run_verbose):
    run, log_file = run_verbose(playbook(emulator, {"api_token": TOKEN}, {"api_token": BAD_TOKEN}), env={})
    assert run.rc == 0, run.output
    assert_each_block_behaved(run)
    assert masked_argument(run.task("working label"), "api_token")
    assert {entry["auth"] for entry in emulator.journal if entry["status"] == 200} == {"api_token"}
    assert_no_secret_anywhere(run, log_file, [TOKEN, BAD_TOKEN])


@pytest.mark.emulator(api_token=TOKEN, password=PASSWORD, deploy_delay=0.2)
def test_a_password_and_the_login_sessions_never_appear_in_any_output(emulator, run_verbose):
    login = {"username": emulator.username, "password": PASSWORD}
    run, log_file = run_verbose(playbook(emulator, login, dict(login, password=BAD_PASSWORD)),
                                env={"TANIUM_API_TOKEN": ""})
    assert run.rc == 0, run.output
    assert_each_block_behaved(run)
    assert masked_argument(run.task("working label"), "password")
    sessions = issued_sessions(emulator)
    assert len(sessions) >= 2 * len(MODULES)  # each working and each server-error task logged in
    assert_no_secret_anywhere(run, log_file, [PASSWORD, BAD_PASSWORD, TOKEN], sessions)


ESCAPED_PASSWORD = 'pw-SECRET "<&>" /+ü-6d2e'
ESCAPED_FORMS = {
    "JSON-escaped": json.dumps(ESCAPED_PASSWORD)[1:-1],
    "HTML-escaped": html.escape(ESCAPED_PASSWORD),
    "URL-encoded": quote(ESCAPED_PASSWORD, safe=""),
}


@pytest.mark.emulator(password=ESCAPED_PASSWORD)
def test_a_password_echoed_escaped_by_the_server_is_scrubbed_in_every_form(emulator, run_verbose):
    # Faults match in the order added, one request each: the first task gets the first form, and so on.
    for echoed in ESCAPED_FORMS.values():
        emulator.add_fault(method="GET", path="/intels", status=500, body=f"no access for password {echoed} here")
    tasks = [{"name": form, "ignore_errors": True, "tanium.threat_response.intel_info": {}} for form in ESCAPED_FORMS]
    run, log_file = run_verbose(tasks, env={"TANIUM_API_TOKEN": "", "TANIUM_USERNAME": emulator.username,
                                            "TANIUM_PASSWORD": ESCAPED_PASSWORD})
    for form in ESCAPED_FORMS:
        assert run.task(form)["msg"].endswith("HTTP 500: no access for password ******** here"), form
    assert_no_secret_anywhere(run, log_file, [ESCAPED_PASSWORD, *ESCAPED_FORMS.values()], issued_sessions(emulator),
                              core_debug_lines=len(ESCAPED_FORMS))


def test_a_url_with_user_and_password_is_refused_and_never_shown(emulator, run_verbose):
    secret_url = emulator.url.replace("https://", "https://svc:pw-IN-URL-3f9c1e@")
    run, log_file = run_verbose([
        {"name": "option", "ignore_errors": True, "tanium.threat_response.intel_info": {"url": secret_url}},
        # An option the module refuses on its own: Ansible's own failure echoes the options too.
        {"name": "with a bad option", "ignore_errors": True,
         "tanium.threat_response.intel_info": {"url": secret_url, "limit": "many"}},
    ], env={"TANIUM_URL": secret_url})
    assert run.task("option")["msg"].startswith("url must not hold a user name or password")
    assert run.status("with a bad option") == "failed"
    # The core debug line prints the option as given (documented); the environment's copy never shows.
    assert_no_secret_anywhere(run, log_file, ["pw-IN-URL-3f9c1e", "svc:pw-IN"], core_debug_lines=2)
    assert emulator.journal == []


@pytest.mark.emulator(api_token="token-" + TOKEN)
def test_a_refused_api_token_names_the_likely_causes_and_never_the_token(emulator, run_playbook):
    wrong = {"bare": BAD_TOKEN, "prefixed": "token-" + BAD_TOKEN}
    run = run_playbook([{"name": name, "ignore_errors": True,
                         "tanium.threat_response.intel_info": {"api_token": token}} for name, token in wrong.items()])
    for name in wrong:
        assert run.status(name) == "failed"
        msg = run.task(name)["msg"]
        assert "HTTP 401" in msg and "the API token was refused; likely causes:" in msg
        assert "the token expired (7 days after it was made, by default)" in msg
        assert "not in the token's trusted IP list, api_token_trusted_ip_address_list" in msg
    assert "`token-` prefix is missing (the token given has none)" in run.task("bare")["msg"]
    assert "(the token given has none)" not in run.task("prefixed")["msg"]
    assert BAD_TOKEN not in run.output and TOKEN not in run.output
