"""Timestamps as Threat Response writes them: ISO-8601 UTC with milliseconds and a Z."""

from __future__ import annotations

import datetime


def iso(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_now() -> str:
    return iso(datetime.datetime.now(datetime.timezone.utc).timestamp())


def parse_iso(text: str) -> datetime.datetime:
    """Parse an ISO-8601 timestamp (a trailing Z is allowed on Python 3.10 too)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment
