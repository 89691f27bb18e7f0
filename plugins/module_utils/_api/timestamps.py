# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timestamps as Threat Response writes them: ISO 8601, UTC, milliseconds and a `Z`."""

from __future__ import annotations

import datetime
import re

# Python 3.10's fromisoformat takes neither a `Z` nor a fraction of other than 3 or 6 digits.
_FRACTION = re.compile(r"\.(\d+)")


def parse_timestamp(text):
    """An aware UTC datetime from an ISO 8601 string (a date alone is midnight UTC), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if value[-1] in "Zz":
        value = value[:-1] + "+00:00"
    value = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), value, count=1)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def format_timestamp(moment):
    """`2021-05-25T22:29:09.224Z`, the form the server sends and accepts."""
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)
