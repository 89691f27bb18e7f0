"""The option rules the module base applies for every module: `exactly_one_of` and the wait options.

The modules run in this process (their `main()`, with the arguments Ansible would hand them) against the
emulator; a refused task must send nothing.
"""

import contextlib
import io
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tanium.threat_response.plugins.modules import (
    file_collect,
    intel,
    intel_deploy,
    intel_scan,
    question_info,
)


def run_module(module, args):
    output = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(output), pytest.raises(SystemExit):
        module.main()
    return json.loads(output.getvalue())


@pytest.fixture
def connection(emulator):
    return {"url": emulator.url, "api_token": emulator.api_token, "ca_path": emulator.ca_file, "retries": 0}


COLLECT = {"path": "C:\\x.exe", "dest": "/nonexistent/"}


@pytest.mark.parametrize("module, args, message", [
    (file_collect, dict(COLLECT, hostname="a", client_id="b"), "parameters are mutually exclusive: hostname|client_id"),
    (file_collect, COLLECT, "one of the following is required: hostname, client_id"),
    (question_info, {"text": "Get Computer Name from all machines", "saved_question": "x"},
     "parameters are mutually exclusive: text|saved_question"),
    (question_info, {}, "one of the following is required: text, saved_question"),
    (intel_scan, {"intel_id": 1, "intel_name": "x", "computer_group_id": 1},
     "parameters are mutually exclusive: intel_id|intel_name"),
    (intel_scan, {"intel_id": 1}, "one of the following is required: computer_group, computer_group_id"),
])
def test_exactly_one_of_refuses_both_and_neither(emulator, connection, module, args, message):
    result = run_module(module, dict(connection, **args))
    assert result["failed"] is True and result["msg"] == message
    assert emulator.journal == []


@pytest.mark.parametrize("module, args", [
    (intel_deploy, {"wait": True}),
    (file_collect, dict(COLLECT, hostname="a")),
    (question_info, {"text": "Get Computer Name from all machines"}),
])
@pytest.mark.parametrize("wait", [{"wait_sleep": 0}, {"wait_timeout": -1}])
def test_wait_options_are_checked_before_any_request(emulator, connection, module, args, wait):
    result = run_module(module, dict(connection, **args, **wait))
    assert result["failed"] is True
    assert result["msg"] == "wait_sleep must be at least 1 and wait_timeout must not be negative"
    assert emulator.journal == []


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_timeout_that_gives_no_request_time_is_refused_before_the_module_starts(emulator, connection, timeout):
    # Before intel reads its document (a missing file here), not only when the client is built.
    result = run_module(intel, dict(connection, src="/nonexistent/apt1.ioc", timeout=timeout))
    assert result["failed"] is True
    assert result["msg"] == f"timeout (TANIUM_TIMEOUT) must be a number of seconds greater than 0, not {timeout}"
    assert emulator.journal == []
