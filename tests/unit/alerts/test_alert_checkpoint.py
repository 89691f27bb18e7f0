"""The checkpoint file of the alerts source: read back as written, replaced whole or not at all, and a
file that is not a checkpoint refused by name, never taken as a fresh start."""

import datetime
import json
import resource
import signal

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.checkpoint import (
    CheckpointError,
    check_writable,
    read_place,
    write_place,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.feed import Place

URL = "https://tanium.example.com"
T0 = datetime.datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=datetime.timezone.utc)


def place(alerts=2):
    return Place(T0, {1000 + index: T0 + datetime.timedelta(seconds=index) for index in range(alerts)})


def test_a_place_reads_back_as_it_was_written_and_no_file_is_no_place(tmp_path):
    path = tmp_path / "alerts.checkpoint"
    assert read_place(path, URL) is None
    write_place(path, place(), URL)
    assert read_place(path, URL) == place()
    saved = json.loads(path.read_text())
    assert saved["cursor"] == "2026-05-01T12:00:00.123Z" and saved["seen"][0] == [1000, 1777636800123]
    write_place(path, Place(T0, {}), URL)
    assert read_place(path, URL) == Place(T0, {})
    assert [entry.name for entry in tmp_path.iterdir()] == ["alerts.checkpoint"]  # no temporary file left


def test_a_write_that_fails_half_way_leaves_the_old_checkpoint_whole(tmp_path):
    path = tmp_path / "alerts.checkpoint"
    write_place(path, place(1), URL)
    # Files may grow no larger than the old checkpoint: the new, longer one cannot be written out.
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size, limits[1]))
    try:
        with pytest.raises(CheckpointError, match=f"checkpoint {path} cannot be written"):
            write_place(path, place(500), URL)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert read_place(path, URL) == place(1)
    assert [entry.name for entry in tmp_path.iterdir()] == ["alerts.checkpoint"]


@pytest.mark.parametrize("content, problem", [
    (b"", "it is not JSON"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 1, "url": "https://tani', "it is not JSON"),
    (b"\xff\xfe", "it is not UTF-8 text"),
    (b"[]", "its parts have the wrong types"),
    (b'{"cursor": "2026-05-01T12:00:00Z", "seen": []}', "it does not say format"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 2}', "version 1"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 1, "url": "https://tanium.example.com"}',
     "it has no 'cursor'"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 1, "url": "https://tanium.example.com",'
     b' "cursor": "soon", "seen": []}', "its cursor is not a time"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 1, "url": "https://tanium.example.com",'
     b' "cursor": "2026-05-01T12:00:00Z", "seen": [[1, "2026-05-01T12:00:00Z"]]}', "is not an alert id and a time"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 1, "url": "https://tanium.example.com",'
     b' "cursor": "2026-05-01T12:00:00Z", "seen": [[null, 1777636800123]]}', "is not an alert id and a time"),
    (b'{"format": "tanium.threat_response.alerts checkpoint", "version": 1, "url": "https://other.example.com",'
     b' "cursor": "2026-05-01T12:00:00Z", "seen": []}', "alerts of https://other.example.com, not of " + URL),
], ids=["empty", "cut short", "not UTF-8", "a list", "no format", "version 2", "no cursor", "bad cursor", "bad seen time",
        "bad seen id", "another server"])
def test_a_file_that_is_not_a_checkpoint_of_this_source_is_refused_naming_it(tmp_path, content, problem):
    path = tmp_path / "alerts.checkpoint"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as refused:
        read_place(path, URL)
    assert str(refused.value).startswith(f"checkpoint {path} is not a checkpoint of this source (")
    assert problem in str(refused.value)
    assert path.read_bytes() == content  # left as it was, for the operator to look at


def test_a_checkpoint_that_cannot_be_written_is_known_before_the_first_poll(tmp_path):
    check_writable(tmp_path / "alerts.checkpoint")
    assert list(tmp_path.iterdir()) == []  # the probe leaves nothing behind
    for path, problem in ((tmp_path / "missing" / "alerts.checkpoint", "cannot be written: No such file or directory"),
                          (tmp_path, "is a directory")):
        with pytest.raises(CheckpointError, match=f"checkpoint {path} {problem}"):
            check_writable(path)
