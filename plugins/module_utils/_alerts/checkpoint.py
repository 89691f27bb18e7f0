# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `checkpoint` file of the `alerts` event source: the feed's place, kept across restarts.

Written whole and atomically (a new file in the same directory, flushed to disk, renamed over the
old one): a crash leaves the old place or the new one, never a mixture. A file that is not a
checkpoint is an error naming it, never a silent start from scratch, which would repeat or lose alerts.

One line of JSON: `{"format", "version", "url", "cursor": ISO 8601, "seen": [[alert id, ms], ...]}`,
each seen alert with its time in milliseconds since 1970 (UTC): the file is rewritten after every
event, and with 10,000 alerts in the window integers take a quarter of the time formatted times take.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.feed import Place
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

FORMAT = "tanium.threat_response.alerts checkpoint"
VERSION = 1
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MILLISECOND = datetime.timedelta(milliseconds=1)


class CheckpointError(InvalidInput):
    """The checkpoint file cannot be read or written; the message names it."""


def read_place(path, url):
    """The place kept in the checkpoint at `path` for the server at `url`, or None when there is no file yet."""
    try:
        with open(path, "rb") as stream:
            text = stream.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CheckpointError(f"checkpoint {path} cannot be read: {error.strerror}") from None
    try:
        return _place_from(json.loads(text.decode("utf-8")), url)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CheckpointError(f"checkpoint {path} is not a checkpoint of this source ({_reason(error)}): restore it,"
                              " or move it away to start again from `since`") from None


def write_place(path, place, url):
    """Replace the checkpoint at `path` with `place`, atomically."""
    body = json.dumps({
        "format": FORMAT, "version": VERSION, "url": url, "cursor": format_timestamp(place.cursor),
        "seen": [[alert_id, (moment - EPOCH) // MILLISECOND] for alert_id, moment in place.seen.items()],
    }, separators=(",", ":")).encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(body)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        temporary = None
        _sync_directory(directory)
    except OSError as error:
        raise CheckpointError(f"checkpoint {path} cannot be written: {error.strerror}") from None
    finally:
        if temporary is not None:
            _remove_quietly(temporary)


def check_writable(path):
    """Fail now, naming the file, if the checkpoint could not be written later (its directory is missing,
    read-only, or `path` is a directory)."""
    if os.path.isdir(path):
        raise CheckpointError(f"checkpoint {path} is a directory: give a file name in it")
    try:
        descriptor, probe = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                                             prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as error:
        raise CheckpointError(f"checkpoint {path} cannot be written: {error.strerror}") from None
    os.close(descriptor)
    _remove_quietly(probe)


def _place_from(saved, url):
    if saved.get("format") != FORMAT or saved.get("version") != VERSION:
        raise ValueError(f"it does not say format {FORMAT!r}, version {VERSION}")
    if saved["url"] != url:
        raise ValueError(f"it keeps the place in the alerts of {saved['url']}, not of {url}")
    cursor = parse_timestamp(saved["cursor"])
    if cursor is None:
        raise ValueError("its cursor is not a time")
    seen = {}
    for alert_id, milliseconds in saved["seen"]:
        if not all(isinstance(value, kind) and not isinstance(value, bool)
                   for value, kind in ((alert_id, (int, str)), (milliseconds, int))):
            raise ValueError(f"{[alert_id, milliseconds]!r} in its seen alerts is not an alert id and a time")
        seen[alert_id] = EPOCH + milliseconds * MILLISECOND
    return Place(cursor, seen)


def _reason(error):
    if isinstance(error, KeyError):
        return f"it has no {error.args[0]!r}"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(error, json.JSONDecodeError):
        return f"it is not JSON: {error.msg} at line {error.lineno}"
    if isinstance(error, ValueError):
        return str(error)
    return "its parts have the wrong types"


def _sync_directory(directory):
    """Make the rename itself durable (POSIX); where directories cannot be opened, the rename is all there is."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass
