"""Tanium signals: validation, the exact JSON body sent, and the fields that decide "unchanged"."""

import json
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    IntelFormatError,
    parse_document,
    signal_fields,
)

HANDWRITTEN = Path(__file__).resolve().parents[2] / "fixtures" / "handwritten"
MINIMAL = {"name": "Eicar", "contents": "file.path contains 'eicar'", "platforms": ["windows"]}


def signal(**fields):
    return json.dumps(fields).encode()


def test_body_is_exactly_the_four_fields_public_clients_send():
    document = parse_document((HANDWRITTEN / "formats_signal_with_id.json").read_bytes())
    # The file's id, syntax_version and mitreAttack are not sent: no public client sends them.
    assert json.loads(document.content) == {
        "name": "EICAR test file written",
        "description": "A file whose path contains eicar was written.",
        "platforms": ["windows", "linux", "mac"],
        "contents": "file.path contains 'eicar'",
    }
    assert document.intrinsic_id == "EICAR test file written"
    assert (document.upload_filename, document.content_type) == ("", "application/json")
    assert document.platforms == ("windows", "linux", "mac")


def test_minimal_signal_gets_an_empty_description():
    document = parse_document(signal(**MINIMAL))
    assert document.content == (
        b'{"name":"Eicar","description":"","platforms":["windows"],"contents":"file.path contains \'eicar\'"}')
    assert (document.description, document.platforms, document.intrinsic_id) == ("", ("windows",), "Eicar")


def test_the_same_signal_written_differently_gives_the_same_bytes():
    compact = parse_document(signal(**{**MINIMAL, "platforms": ["mac"]}))
    spaced = parse_document(b'\xef\xbb\xbf\n{ "platforms" : [ "mac" ],\n  "contents": "file.path contains \'eicar\'",'
                            b' "name": "Eicar", "description": null }\n')
    assert spaced.content == compact.content
    assert spaced.md5 == compact.md5


def test_non_ascii_text_is_sent_as_json_escapes():
    document = parse_document(signal(name="Caf\u00e9 \U0001f600", contents="file.path contains 'x'", platforms=["mac"]))
    assert document.name == "Caf\u00e9 \U0001f600"
    assert document.content.isascii()
    # JSON may escape a lone surrogate, which no UTF-8 encoder accepts: escapes keep the body sendable.
    lone = parse_document(b'{"name": "x\\ud800", "contents": "file.path contains \'c\'", "platforms": ["mac"]}')
    assert lone.content == (b'{"name":"x\\ud800","description":"","platforms":["mac"],'
                            b'"contents":"file.path contains \'c\'"}')


@pytest.mark.parametrize("fields, problem", [
    ({"name": "x"}, "is not a Tanium signal: it needs a non-empty string 'contents' (the signal expression)"),
    ({"name": "x", "contents": "  "}, "is not a Tanium signal: it needs a non-empty string 'contents'"),
    ({"name": "x", "contents": ["file.path contains 'x'"]}, "is not a Tanium signal: it needs a non-empty string"),
    ({"contents": "c"}, "Tanium signal needs a non-empty string 'name'"),
    ({"name": 7, "contents": "c"}, "Tanium signal needs a non-empty string 'name'"),
    ({**MINIMAL, "labels": ["a"], "author": "me"},
     "Tanium signal has unknown field(s) author, labels; a signal holds name, description, platforms, contents, id, "
     "syntax_version, mitreAttack"),
    ({**MINIMAL, "platforms": "windows"},
     "Tanium signal 'platforms' must be a non-empty list of windows, linux, mac, not \"windows\""),
    ({**MINIMAL, "platforms": ["win"]},
     "Tanium signal 'platforms' must be a non-empty list of windows, linux, mac, not [\"win\"]"),
    ({**MINIMAL, "platforms": [["windows"]]}, "Tanium signal 'platforms' must be a non-empty list of windows"),
    # Required (docs/troubleshooting.md says why): missing, null and empty are refused before any write.
    ({"name": "x", "contents": "file.path contains 'x'"}, "Tanium signal 'platforms' must be a non-empty list"),
    ({**MINIMAL, "platforms": None}, "Tanium signal 'platforms' must be a non-empty list"),
    ({**MINIMAL, "platforms": []}, "Tanium signal 'platforms' must be a non-empty list"),
    # The expression must parse: the server refuses what does not, after earlier documents were written.
    ({**MINIMAL, "contents": "file.path contains"}, "Tanium signal 'contents' does not parse: at character 19"),
    ({**MINIMAL, "contents": "file.path contains eicar"}, "Tanium signal 'contents' does not parse"),
    ({**MINIMAL, "contents": "file.path frobs 'x'"}, "Tanium signal 'contents' does not parse"),
    ({**MINIMAL, "contents": "(file.path contains 'x'"}, "Tanium signal 'contents' does not parse"),
    ({**MINIMAL, "description": 3}, "Tanium signal 'description' must be a string"),
    ({**MINIMAL, "id": ""}, "Tanium signal 'id' must be a non-empty string"),
    ({**MINIMAL, "id": 12}, "Tanium signal 'id' must be a non-empty string"),
    ({**MINIMAL, "syntax_version": "1"}, "Tanium signal 'syntax_version' must be a positive integer"),
    ({**MINIMAL, "syntax_version": True}, "Tanium signal 'syntax_version' must be a positive integer"),
    ({**MINIMAL, "syntax_version": 0}, "Tanium signal 'syntax_version' must be a positive integer"),
    ({**MINIMAL, "mitreAttack": []}, "Tanium signal 'mitreAttack' must be an object"),
])
def test_invalid_signals_are_refused_with_the_field_named(fields, problem):
    with pytest.raises(IntelFormatError) as caught:
        parse_document(signal(**fields), source="rule.json")
    assert caught.value.source == "rule.json"
    assert caught.value.problem.startswith(problem)


def test_signal_fields_match_the_server_copy_despite_reserialisation():
    document = parse_document((HANDWRITTEN / "formats_signal_with_id.json").read_bytes())
    stored = json.dumps({
        "id": "ansible-test-signal-eicar-path", "name": "EICAR test file written",
        "description": "A file whose path contains eicar was written.", "contents": "file.path contains 'eicar'",
        "syntax_version": 7, "mitreAttack": None, "platforms": ["mac", "windows", "linux"],
    }, indent=2)
    assert signal_fields(document) == signal_fields(stored) == {
        "name": "EICAR test file written",
        "description": "A file whose path contains eicar was written.",
        "contents": "file.path contains 'eicar'",
        "platforms": ["linux", "mac", "windows"],
    }
    assert signal_fields(json.loads(stored)) == signal_fields(document)


@pytest.mark.parametrize("change", [{"contents": "file.path contains 'other'"}, {"name": "renamed"},
                                    {"description": "new"}, {"platforms": ["windows"]}])
def test_signal_fields_differ_when_a_compared_field_changes(change):
    document = parse_document(signal(**{**MINIMAL, "platforms": ["windows", "mac"]}))
    stored = {**MINIMAL, "platforms": ["windows", "mac"], **change}
    assert signal_fields(document) != signal_fields(json.dumps(stored))


def test_signal_fields_treat_missing_and_null_values_as_empty():
    assert signal_fields('{"name": "a", "contents": "c", "description": null, "platforms": null}') == {
        "name": "a", "description": "", "contents": "c", "platforms": []}


@pytest.mark.parametrize("server_contents", [None, "", "not json", "[1, 2]", b"\xff", 42])
def test_signal_fields_of_unusable_server_contents_never_equal_a_document(server_contents):
    assert signal_fields(server_contents) is None
    assert signal_fields(parse_document(signal(**MINIMAL))) != signal_fields(server_contents)


@pytest.mark.parametrize("server_id", ["server-signal-id", None, "Eicar"])
def test_with_intrinsic_id_leaves_a_signal_as_it_is(server_id):
    # A signal PUT updates in place whatever id the server keeps; the body never carries one.
    document = parse_document(signal(**MINIMAL), source="s.json")
    assert document.with_intrinsic_id(server_id) is document


def test_with_intrinsic_id_equal_to_the_name_keeps_a_signal_without_id_unchanged():
    document = parse_document((HANDWRITTEN / "formats_signal_without_id.json").read_bytes())
    assert document.with_intrinsic_id("Encoded PowerShell from an Office application") is document
