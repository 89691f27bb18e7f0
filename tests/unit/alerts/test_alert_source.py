"""The alerts event source's engine (module_utils/_alerts/source.py) against the emulator: its arguments,
checked at start; its checkpoint across restarts; the server's alert state as the other way to resume."""

import ast
import datetime
import shutil
from pathlib import Path

import pytest
import yaml

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.source import (
    SOURCE_ARGUMENT_SPEC,
    alert_source_from,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import format_timestamp, utc_now
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

REPO = Path(__file__).resolve().parents[3]
EVENT_SOURCE = REPO / "extensions" / "eda" / "plugins" / "event_source" / "alerts.py"
IOC = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc"
HOSTS = ("WIN-FIN-01", "WIN-DEV-02")
SECRET = "token-secret-1234"


@pytest.fixture(autouse=True)
def no_tanium_environment(monkeypatch):
    for name in ("TANIUM_URL", "TANIUM_API_TOKEN", "TANIUM_USERNAME", "TANIUM_PASSWORD", "TANIUM_CA_PATH"):
        monkeypatch.delenv(name, raising=False)


def ago(seconds):
    return format_timestamp(utc_now() - datetime.timedelta(seconds=seconds))


def source_args(emulator, **extra):
    return dict(url=emulator.url, api_token=emulator.api_token, ca_path=emulator.ca_file, **extra)


def run_once(source, emit=None):
    """One round as the event source runs it: poll, emit (the first `emit` alerts only, as if stopped
    after them), settle. The ids emitted."""
    alerts = source.poll()
    emitted = alerts if emit is None else alerts[:emit]
    for alert in emitted:
        source.emitted(alert)
    if emit is None:
        source.settle()
    return [alert["id"] for alert in emitted]


def alert_listings(emulator):
    return [entry for entry in emulator.journal if entry["path"].endswith("/alerts")]


def test_source_arguments_fall_back_to_tanium_environment_variables(emulator, monkeypatch):
    for name, value in (("TANIUM_URL", emulator.url), ("TANIUM_API_TOKEN", emulator.api_token),
                        ("TANIUM_CA_PATH", emulator.ca_file)):
        monkeypatch.setenv(name, value)
    source = alert_source_from({"state": ["unresolved"]})
    assert source.interval == 30 and source.poll() == []
    assert alert_listings(emulator)[0]["auth"] == "api_token"


@pytest.mark.parametrize("args, message", [
    ({"api_token": SECRET}, "missing required arguments: url"),
    ({"url": "https://tanium.example.com"}, "one of the following is required: api_token, username"),
    ({"url": "https://tanium.example.com", "username": "admin"}, "parameters are required together: username, password"),
    ({"url": "https://tanium.example.com", "api_token": SECRET, "interval": 0}, "interval must be at least 1 second"),
    ({"url": "https://tanium.example.com", "api_token": SECRET, "lookback": -1}, "lookback must not be negative"),
    ({"url": "https://tanium.example.com", "api_token": SECRET, "since": "yesterday"}, "since must be an ISO 8601"),
    ({"url": "https://tanium.example.com", "api_token": SECRET, "state": ["open"]}, "state"),
    ({"url": "https://tanium.example.com", "api_token": SECRET, "polling": 5}, "polling"),
    # Refused by the client when it is built, before any request: the source ends at start too.
    ({"url": "tanium.example.com", "api_token": SECRET}, "must start with https://"),
    ({"url": "https://tanium.example.com", "api_token": SECRET, "ca_path": "/nonexistent/ca.pem"}, "ca_path"),
], ids=["no url", "no credentials", "no password", "interval", "lookback", "since", "state", "unknown", "url scheme",
        "ca_path"])
def test_bad_source_arguments_are_refused_at_start_naming_the_argument_and_no_secret(args, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        alert_source_from(args)
    assert SECRET not in str(refused.value)
    assert "yesterday" not in str(refused.value)  # the argument is named, not its value


def test_a_token_with_a_trailing_newline_is_refused_at_start_naming_api_token_not_the_token():
    # The client refuses header values with CR or LF when it is built (issue 25); the source builds its
    # client at start, so this ends the rulebook before the first poll.
    with pytest.raises(InvalidInput, match="api_token") as refused:
        alert_source_from({"url": "https://tanium.example.com", "api_token": SECRET + "\n"})
    assert SECRET not in str(refused.value)


def test_a_checkpoint_that_is_not_one_or_cannot_be_written_ends_the_source_at_start(emulator, tmp_path):
    corrupt = tmp_path / "corrupt.checkpoint"
    corrupt.write_text("{")
    for path, problem in ((corrupt, "is not a checkpoint of this source"),
                          (tmp_path / "missing" / "alerts.checkpoint", "cannot be written")):
        with pytest.raises(InvalidInput, match=f"checkpoint {path} {problem}"):
            alert_source_from(source_args(emulator, checkpoint=str(path)))
    assert emulator.journal == []  # refused before any request


def test_with_a_checkpoint_a_restart_emits_what_was_raised_while_down_once_and_nothing_again(emulator, tmp_path):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    args = source_args(emulator, checkpoint=str(tmp_path / "alerts.checkpoint"), since=ago(3600))
    first = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(1800))
    source = alert_source_from(args)
    assert run_once(source) == [first["id"]]
    # Stopped: an alert is raised, and one is reported late (inside the look-back window).
    down = emulator.raise_alert(doc["id"], HOSTS[1])
    late = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(120))
    source = alert_source_from(dict(args, since=None))  # `since` is ignored once the file exists
    assert source.resumed and "where checkpoint" in source.describe()
    assert run_once(source) == [late["id"], down["id"]]
    assert run_once(source) == []
    # Started again: nothing earlier comes again; a later late report inside the window does.
    source = alert_source_from(args)
    later_late = emulator.raise_alert(doc["id"], HOSTS[1], alerted_at=ago(300))
    assert run_once(source) == [later_late["id"]]


def test_a_source_that_emitted_nothing_yet_still_resumes_where_it_started(emulator, tmp_path):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    before = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(60))
    args = source_args(emulator, checkpoint=str(tmp_path / "alerts.checkpoint"))  # since: when it starts
    assert run_once(alert_source_from(args)) == []
    down = emulator.raise_alert(doc["id"], HOSTS[1], alerted_at=ago(1))  # raised while it was stopped
    assert run_once(alert_source_from(args)) == [down["id"]]
    assert before["id"] in alert_source_from(args).feed.place.seen  # there before the first start: not an event


def test_stopped_between_two_events_the_restart_emits_the_rest_and_not_the_first(emulator, tmp_path):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    raised = [emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(seconds)) for seconds in (1800, 1200, 0)]
    args = source_args(emulator, checkpoint=str(tmp_path / "alerts.checkpoint"), since=ago(3600), lookback=600)
    assert run_once(alert_source_from(args), emit=1) == [raised[0]["id"]]
    assert run_once(alert_source_from(args)) == [alert["id"] for alert in raised[1:]]


def test_an_idle_poll_does_not_rewrite_the_checkpoint(emulator, tmp_path):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    checkpoint = tmp_path / "alerts.checkpoint"
    source = alert_source_from(source_args(emulator, checkpoint=str(checkpoint), since=ago(60)))
    emulator.raise_alert(doc["id"], HOSTS[0])
    run_once(source)
    written = checkpoint.stat().st_ino
    assert run_once(source) == [] and checkpoint.stat().st_ino == written


def test_a_checkpoint_that_can_no_longer_be_written_stops_the_source_naming_it(emulator, tmp_path):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    directory = tmp_path / "volume"
    directory.mkdir()
    checkpoint = directory / "alerts.checkpoint"
    source = alert_source_from(source_args(emulator, checkpoint=str(checkpoint), since=ago(60)))
    emulator.raise_alert(doc["id"], HOSTS[0])
    (alert,) = source.poll()
    shutil.rmtree(directory)  # the volume went away
    with pytest.raises(InvalidInput, match=f"checkpoint {checkpoint} cannot be written"):
        source.emitted(alert)


def test_without_a_checkpoint_the_server_state_is_the_marker_across_restarts(emulator, make_client):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    taken, waiting = (emulator.raise_alert(doc["id"], host) for host in HOSTS)
    args = source_args(emulator, state=["unresolved"], since="2020-01-01T00:00:00Z")
    assert sorted(run_once(alert_source_from(args))) == sorted([taken["id"], waiting["id"]])
    # The rulebook set one in progress before it stopped; the other's action never ran.
    client = make_client()
    client.put(client.api_path("alerts/{alert_id}", alert_id=taken["id"]), json_body={"state": "inprogress"})
    assert run_once(alert_source_from(args)) == [waiting["id"]]


def test_the_documented_arguments_are_the_arguments_it_takes():
    tree = ast.parse(EVENT_SOURCE.read_text())
    documentation = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and node.targets[0].id == "DOCUMENTATION")
    documented = yaml.safe_load(documentation)["options"]
    assert set(documented) == set(SOURCE_ARGUMENT_SPEC)
    for name, spec in SOURCE_ARGUMENT_SPEC.items():
        option = documented[name]
        assert (option["type"], option.get("default"), option.get("choices"), option.get("elements")) == (
            spec["type"], spec.get("default"), spec.get("choices"), spec.get("elements")), name
