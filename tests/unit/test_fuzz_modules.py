"""Fuzzing the modules: random bytes, random text and mutated corpus documents through `intel_check` and
`intel` (check mode, against the emulator). Only the collection's own errors may come out: a clean
result, or a one-line failure naming the file; never an exception, a traceback or `MODULE FAILURE`.

The modules run in this process (their `main()`, with the arguments Ansible would hand them), so a few
hundred examples take seconds; tests/integration/test_reliability_input.py sends a few through
ansible-playbook. Parsing alone is fuzzed harder in test_formats_properties.py.
"""

import contextlib
import io
import itertools
import json
import re
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.tanium.threat_response.plugins.modules import intel, intel_check

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
XML_SEEDS = sorted([*FIXTURES.glob("corpus/openioc/*"), *FIXTURES.glob("corpus/stix1/*")])
JSON_SEEDS = sorted([*FIXTURES.glob("handwritten/*.json"), *FIXTURES.glob("hostile/*.json")])
YARA_SEEDS = sorted(FIXTURES.glob("corpus/yara/*"))
# Literals that Python's json reads but standard JSON does not carry, or that nest or encode badly.
HOSTILE_JSON_VALUES = ["NaN", "-Infinity", "1e400", "9" * 5000, "[" * 3000 + "]" * 3000, '"\\ud800"',
                       '"\\u0000"', "null", "{}", "[]", '"' + "€" * 300 + '"']
HOSTILE_XML_PIECES = ['<!DOCTYPE r [<!ENTITY e "x">]>', "&e;", "&#0;", "&#x110000;", "<![CDATA[", "]]>",
                      '<?xml version="1.0" encoding="latin-1"?>', "<a xmlns:b='urn:x'><b:c/></a>", "\ufeff",
                      "<" * 50, "検知ルール", "\x00", "\ud800"]
# Stable in CI (the same examples every run); no per-example deadline, as the box is shared.
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
# What only a crash produces: the collection's own failures never say these.
CRASH_MARKERS = re.compile(r"Traceback|MODULE FAILURE|Exception|Error\(|codec can't")


@pytest.fixture(scope="module")
def server():
    from emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig()).start() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def write_file(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzzed")
    numbers = itertools.count()

    def write(content, suffix):
        path = directory / f"fuzzed-{next(numbers)}{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        return path

    return write


def run_module(module, args):
    """The module's result dict, as Ansible would receive it; any exception escapes and fails the test."""
    output = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(output), pytest.raises(SystemExit):
        module.main()
    return json.loads(output.getvalue())


def assert_only_own_errors(result, path):
    if not result.get("failed"):
        return
    message = result["msg"]
    assert "\n" not in message and not CRASH_MARKERS.search(message), message
    assert str(path) in message, f"the failure does not name the file: {message}"
    assert "exception" not in result


def check_through_both_modules(path, server):
    assert_only_own_errors(run_module(intel_check, {"src": str(path), "fail_on": "invalid"}), path)
    args = {"src": str(path), "url": server.url, "api_token": server.api_token, "ca_path": server.ca_file,
            "retries": 0, "applicability": "warn", "_ansible_check_mode": True}
    assert_only_own_errors(run_module(intel, args), path)
    assert server.writes() == []


@st.composite
def mutated_xml(draw):
    text = draw(st.sampled_from(XML_SEEDS)).read_text("utf-8")
    for _mutation in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["piece", "text", "attribute", "cut", "duplicate"]))
        if kind == "piece":
            text = text[:position] + draw(st.sampled_from(HOSTILE_XML_PIECES)) + text[position:]
        elif kind == "text":
            # Replace the text of an element (what lies between > and <) with any Unicode.
            runs = [match.span(1) for match in re.finditer(r">([^<]+)<", text)]
            if runs:
                start, end = draw(st.sampled_from(runs))
                text = text[:start] + draw(st.text(max_size=40)) + text[end:]
        elif kind == "attribute":
            name = draw(st.from_regex(r"[a-z:]{1,8}", fullmatch=True))
            text = re.sub(r"<(\w+)", lambda match: f'<{match.group(1)} {name}="{draw(st.text(max_size=12))}"', text, count=1)
        elif kind == "cut":
            text = text[:position]
        else:
            text = text[:position] + text[position:position + draw(st.integers(1, 400))] + text[position:]
    return text


@st.composite
def mutated_json(draw):
    text = draw(st.sampled_from(JSON_SEEDS)).read_text("utf-8")
    values = [match.span() for match in re.finditer(r'(?<=:)\s*("(?:\\.|[^"\\])*"|-?\d[\d.eE+-]*|true|false|null)', text)]
    for _mutation in range(draw(st.integers(1, 3))):
        if not values:
            break
        start, end = draw(st.sampled_from(values))
        replacement = draw(st.one_of(st.sampled_from(HOSTILE_JSON_VALUES),
                                     st.text(max_size=30).map(json.dumps),
                                     st.integers().map(str)))
        text = text[:start] + replacement + text[end:]
        values = [match.span() for match in re.finditer(r'(?<=:)\s*("(?:\\.|[^"\\])*"|-?\d[\d.eE+-]*|true|false|null)', text)]
    return text


@st.composite
def mutated_yara(draw):
    text = draw(st.sampled_from(YARA_SEEDS)).read_text("utf-8")
    position = draw(st.integers(0, len(text)))
    return text[:position] + draw(st.text(max_size=40)) + text[position + draw(st.integers(0, 40)):]


@FUZZ
@given(content=st.binary(max_size=2048), suffix=st.sampled_from([".ioc", ".xml", ".json", ".yar", ""]))
def test_random_bytes(server, write_file, content, suffix):
    check_through_both_modules(write_file(content, suffix), server)


@FUZZ
@given(content=st.text(max_size=500), start=st.sampled_from(["", "<", "{", "[", "rule r {", "\ufeff"]))
def test_random_unicode(server, write_file, content, start):
    check_through_both_modules(write_file(start + content, ".txt"), server)


@FUZZ
@given(content=mutated_xml())
def test_mutated_xml_corpus_documents(server, write_file, content):
    check_through_both_modules(write_file(content, ".xml"), server)


@FUZZ
@given(content=mutated_json())
def test_mutated_json_signals(server, write_file, content):
    check_through_both_modules(write_file(content, ".json"), server)


@FUZZ
@given(content=mutated_yara())
def test_mutated_yara_corpus_rules(server, write_file, content):
    check_through_both_modules(write_file(content, ".yar"), server)
