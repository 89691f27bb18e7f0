# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON decoding that refuses what Python accepts but standard JSON (RFC 8259) does not carry safely.

Python reads `NaN`, `Infinity` and integers of any length; the server would either refuse them or
silently round them (RFC 8259 §6: only numbers within ±(2**53 - 1) are exact everywhere).
Errors are `json.JSONDecodeError` at the offending token, so callers report them like any syntax error.
"""

from __future__ import annotations

import json
import math
import re

# RFC 8259 §6: integers in this range are exact in every JSON implementation (IEEE 754 doubles).
LARGEST_EXACT_INTEGER = 2**53 - 1
# Strings are skipped whole, so a "NaN" inside a string is never taken for the number.
_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|-?(?:Infinity|NaN)|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')


class _Refused(ValueError):
    pass


def loads(text: str):
    """json.loads, but NaN, ±Infinity, numbers that overflow a double and inexact integers are errors."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_checked_int, parse_float=_checked_float)
    except _Refused as refused:
        token, reason = refused.args
        raise json.JSONDecodeError(reason, text, _position_of(text, token)) from None


def _refuse_constant(name):
    raise _Refused(name, f"{name} is not a number standard JSON allows")


def _checked_int(literal):
    digits = len(literal.lstrip("-"))
    # Checked by length first: int() of a 5,000-digit literal is refused by Python itself (or is slow).
    if digits > 16 or abs(int(literal)) > LARGEST_EXACT_INTEGER:
        raise _Refused(literal, f"the integer of {digits:,} digits is too large to be exact (limit ±2**53-1)")
    return int(literal)


def _checked_float(literal):
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused(literal, f"the number {literal[:20]} is too large for a double")
    return value


def _position_of(text, token):
    for match in _TOKENS.finditer(text):
        if match.group() == token:
            return match.start()
    return 0
