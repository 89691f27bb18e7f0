"""Signal JSON: what Python would read but standard JSON does not carry safely is refused, naming the file."""

import json
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import IntelFormatError, parse_document
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.strict_json import loads

HOSTILE = Path(__file__).resolve().parents[2] / "fixtures" / "hostile"


@pytest.mark.parametrize(("name", "complaint"), [
    ("signal_5000_digit_integer.json", "line 1, column 103 (the integer of 5,000 digits is too large to be exact"),
    ("signal_nan.json", "NaN is not a number standard JSON allows"),
    ("signal_infinity.json", "-Infinity is not a number standard JSON allows"),
    ("signal_float_overflow.json", "the number 1e400 is too large for a double"),
])
def test_hostile_signal_numbers_are_refused_naming_the_file(name, complaint):
    path = HOSTILE / name
    with pytest.raises(IntelFormatError) as caught:
        parse_document(path.read_bytes(), str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: is not valid JSON at line ")
    assert complaint in message


def test_nan_inside_a_string_is_text_and_the_position_points_at_the_number():
    text = '{"a": "NaN and Infinity", "b": NaN}'
    with pytest.raises(json.JSONDecodeError) as caught:
        loads(text)
    assert caught.value.pos == text.index("NaN}")


def test_numbers_within_the_exact_range_are_read_as_usual():
    assert loads('{"a": 9007199254740991, "b": -9007199254740991, "c": 1.5e300, "d": "NaN"}') == {
        "a": 2**53 - 1, "b": -(2**53 - 1), "c": 1.5e300, "d": "NaN"}


def test_an_integer_just_past_the_exact_range_is_refused():
    with pytest.raises(json.JSONDecodeError):
        loads("[9007199254740992]")
