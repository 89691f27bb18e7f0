"""The endpoints inventory plugin as a user runs it: ansible-inventory (and ansible) in a subprocess, the
installed collection, the emulator over TLS with its CA file, the connection from TANIUM_* variables.

The fleet: WIN-HR-03 (unresolved alert now), WIN-SALES-04 (an alert in progress), lnx-web-01 (unresolved,
three days old), two endpoints named WIN-DUP/win-dup (the older one, client 101, alerted now; the newer
keeps the name), a Mac named with an apostrophe and spaces, an endpoint named localhost, one whose name
reads as a template, and lnx-old-09 (last registered 40 days ago, alerted now).
"""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ANSIBLE_BIN = Path(sys.executable).parent
# ansible-core 2.17 (the sanity venv), where host variables are still templated unless marked unsafe.
CORE_217_BIN = Path(__file__).resolve().parents[2] / ".venv" / "core217" / "bin"
NOW = datetime.datetime.now(datetime.timezone.utc)
STATUS = "/api/v2/system_status"
ALERTS = "/plugin/products/threat-response/api/v1/alerts"
DEC = "/plugin/products/dec/v1/endpoints"
APT18 = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
FILES = [{"path": "C:\\Users\\Public\\dropper.exe"}]


def ago(seconds):
    return (NOW - datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


FLEET = [
    {"name": "WIN-HR-03", "ip": "10.20.1.13", "platform": "windows", "status": "Leader",
     "last_registration": ago(60), "files": FILES},
    {"name": "WIN-SALES-04", "ip": "10.20.1.14", "platform": "windows", "last_registration": ago(120), "files": FILES},
    {"name": "lnx-web-01", "ip": "10.20.2.21", "platform": "linux", "status": "Slow link",
     "last_registration": ago(300), "files": FILES},
    {"name": "WIN-DUP", "ip": "10.20.1.50", "platform": "windows", "client_id": 101,
     "last_registration": ago(2 * 86400), "files": FILES},
    {"name": "win-dup", "ip": "10.20.1.51", "platform": "windows", "client_id": 102, "last_registration": ago(30)},
    {"name": "Jane's MacBook Pro", "ip": "10.20.3.7", "platform": "mac", "last_registration": ago(600)},
    {"name": "localhost", "ip": "10.20.2.99", "platform": "linux", "client_id": 103, "last_registration": ago(900)},
    {"name": "evil{{ 7 * 7 }}", "ip": "10.20.2.66", "platform": "linux", "client_id": 104,
     "last_registration": ago(900)},
    {"name": "lnx-old-09", "ip": "10.20.2.9", "platform": "linux", "status": "Blocked",
     "last_registration": ago(40 * 86400), "files": FILES},
]
HOSTS = {"WIN-HR-03", "WIN-SALES-04", "lnx-web-01", "WIN-DUP_101", "win-dup", "Jane_s_MacBook_Pro",
         "localhost_103", "evil___7___7___", "lnx-old-09"}
ALERTED = {"WIN-HR-03", "WIN-DUP_101", "lnx-old-09"}

pytestmark = pytest.mark.emulator(fleet=FLEET)


@pytest.fixture
def alerts(emulator):
    """The alerts of the module docstring, then an empty journal."""
    doc = emulator.seed_intel(APT18.read_bytes(), APT18.name)
    emulator.raise_alert(doc["id"], "WIN-HR-03")
    emulator.raise_alert(doc["id"], "WIN-SALES-04", state="inprogress")
    emulator.raise_alert(doc["id"], "lnx-web-01", alerted_at=ago(3 * 86400))
    emulator.raise_alert(doc["id"], "WIN-DUP", ip="10.20.1.50")
    emulator.raise_alert(doc["id"], "lnx-old-09")
    emulator.clear_journal()


@pytest.fixture
def inventory(ansible_env, tmp_path):
    """inventory(config, *args, env=None, name="fleet.tanium.yml") -> CompletedProcess of ansible-inventory."""

    def run(config, *args, env=None, name="fleet.tanium.yml", command="ansible-inventory", bin_dir=ANSIBLE_BIN):
        path = tmp_path / name
        path.write_text(json.dumps(dict({"plugin": "tanium.threat_response.endpoints"}, **config)))
        full_env = dict(ansible_env, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true", **(env or {}))
        return subprocess.run([str(bin_dir / command), "-i", str(path), *args], env=full_env,
                              capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)

    return run


def listed(completed):
    """The --list output, with ansible-core 2.19's {"__ansible_unsafe": text} read as the text: it marks
    every value an inventory plugin gives as data, never a template."""
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(completed.stdout, object_hook=lambda value: value.get("__ansible_unsafe", value))


def group(listing, name):
    return set(listing.get(name, {}).get("hosts", []))


def requests(emulator):
    return [(entry["method"], entry["path"], entry["query"]) for entry in emulator.journal]


# --- the fleet, its variables and the alerted group ---
def test_list_gives_every_endpoint_with_its_variables_and_tanium_alerted_holds_exactly_the_alerted(
        emulator, alerts, inventory):
    listing = listed(inventory({}, "--list"))

    hostvars = listing["_meta"]["hostvars"]
    assert set(hostvars) == HOSTS
    assert group(listing, "tanium_alerted") == ALERTED
    assert hostvars["WIN-HR-03"] == {
        "ansible_host": "10.20.1.13", "tanium_client_id": hostvars["WIN-HR-03"]["tanium_client_id"],
        "tanium_host_name": "WIN-HR-03", "tanium_ip": "10.20.1.13", "tanium_status": "Leader",
        "tanium_last_registration": ago(60), "tanium_alerts": 1, "tanium_platform": "windows"}
    assert hostvars["lnx-web-01"]["tanium_alerts"] == 1 and hostvars["lnx-web-01"]["tanium_platform"] == "linux"
    assert hostvars["WIN-SALES-04"]["tanium_alerts"] == 0 and "tanium_platform" not in hostvars["WIN-SALES-04"]
    assert (hostvars["WIN-DUP_101"]["tanium_client_id"], hostvars["WIN-DUP_101"]["tanium_alerts"]) == ("101", 1)
    assert (hostvars["win-dup"]["tanium_client_id"], hostvars["win-dup"]["tanium_alerts"]) == ("102", 0)
    assert hostvars["Jane_s_MacBook_Pro"]["tanium_host_name"] == "Jane's MacBook Pro"
    assert hostvars["localhost_103"]["ansible_host"] == "10.20.2.99"

    sent = requests(emulator)
    assert sent[:2] == [("GET", STATUS, {}),
                        ("GET", ALERTS, {"state": ["unresolved"], "limit": ["500"], "offset": ["0"]})]
    # The platform of each endpoint with an unresolved alert, whatever its age: one request each.
    looked_up = sorted(query["clientId"][0] for method, path, query in sent[2:] if path == DEC)
    assert looked_up == sorted([hostvars[name]["tanium_client_id"]
                                for name in ("WIN-HR-03", "lnx-web-01", "WIN-DUP_101", "lnx-old-09")])
    assert len(sent) == 6 and emulator.writes() == []
    assert {entry["auth"] for entry in emulator.journal} == {"api_token"}


def test_graph_shows_the_alerted_group_and_names_that_were_changed(alerts, inventory):
    completed = inventory({}, "--graph")

    assert completed.returncode == 0, completed.stderr
    graph = completed.stdout
    alerted = graph.split("@tanium_alerted:")[1].split("@")[0]
    assert sorted(line.strip(" |-") for line in alerted.splitlines() if line.strip(" |-")) == sorted(ALERTED)
    assert "2 endpoints share a host name with one that registered later, or have a name Ansible reserves" in \
        " ".join(completed.stderr.split())
    assert "'WIN-DUP' as WIN-DUP_101" in completed.stderr and "'localhost' as localhost_103" in completed.stderr


def test_with_no_alert_the_group_is_there_and_empty_so_a_play_on_it_runs_on_no_host(emulator, inventory):
    listing = listed(inventory({}, "--list"))

    assert "tanium_alerted" in listing["all"]["children"] and group(listing, "tanium_alerted") == set()
    assert not any(path == DEC for _method, path, _query in requests(emulator))


def test_other_states_and_no_age_limit(emulator, alerts, inventory):
    listing = listed(inventory({"alert_states": ["unresolved", "inprogress"], "alerted_within": 0,
                                "platform_lookup": "none"}, "--list"))

    assert group(listing, "tanium_alerted") == ALERTED | {"WIN-SALES-04", "lnx-web-01"}
    assert requests(emulator) == [
        ("GET", STATUS, {}),
        ("GET", ALERTS, {"state": ["unresolved", "inprogress"], "limit": ["500"], "offset": ["0"]})]


def test_filters_keep_endpoints_by_name_and_registration_age(alerts, inventory):
    config = {"filters": {"host_names": ["win-*", "LNX-*"], "exclude_host_names": ["*sales*"],
                          "registered_within": 7 * 86400}}
    listing = listed(inventory(config, "--list"))

    assert set(listing["_meta"]["hostvars"]) == {"WIN-HR-03", "lnx-web-01", "WIN-DUP_101", "win-dup"}
    # lnx-old-09 is alerted but registered 40 days ago: not a host, so not in the group either.
    assert group(listing, "tanium_alerted") == {"WIN-HR-03", "WIN-DUP_101"}


def test_a_duplicate_left_out_by_a_filter_lets_the_other_keep_its_name(alerts, inventory):
    listing = listed(inventory({"filters": {"registered_within": 86400}}, "--list"))

    assert "WIN-DUP_101" not in listing["_meta"]["hostvars"]
    assert listing["_meta"]["hostvars"]["win-dup"]["tanium_client_id"] == "102"


def test_compose_groups_and_keyed_groups(alerts, inventory):
    config = {"keyed_groups": [{"key": "tanium_platform", "prefix": "platform"},
                               {"key": "tanium_status | lower | replace(' ', '_')", "prefix": "status"}],
              "groups": {"slow": "tanium_status == 'Slow link'"},
              "compose": {"ansible_user": "'responder'", "alert_label": "tanium_host_name ~ ':' ~ tanium_alerts"}}
    listing = listed(inventory(config, "--list"))

    assert group(listing, "platform_windows") == {"WIN-HR-03", "WIN-DUP_101"}
    assert group(listing, "platform_linux") == {"lnx-web-01", "lnx-old-09"}
    assert group(listing, "status_slow_link") == group(listing, "slow") == {"lnx-web-01"}
    assert group(listing, "status_leader") == {"WIN-HR-03"}
    assert listing["_meta"]["hostvars"]["WIN-HR-03"]["ansible_user"] == "responder"
    assert listing["_meta"]["hostvars"]["Jane_s_MacBook_Pro"]["alert_label"] == "Jane's MacBook Pro:0"


def test_strict_fails_on_a_variable_some_hosts_lack(alerts, inventory):
    config = {"keyed_groups": [{"key": "tanium_platform", "prefix": "platform"}]}
    assert listed(inventory(config, "--list"))
    completed = inventory(dict(config, strict=True), "--list")
    assert completed.returncode != 0 and "tanium_platform" in completed.stderr


# --- names Ansible must not read as anything but a host ---
# ansible-core 2.17 too (the Makefile builds its venv before the integration tests): before 2.19 an unsafe string
# is shown differently, and a plugin that marked every value unsafe would print wrapped values there.
@pytest.mark.parametrize("bin_dir", [ANSIBLE_BIN, CORE_217_BIN])
def test_server_text_is_never_templated_and_localhost_stays_the_controller(alerts, inventory, bin_dir):
    evil = inventory({}, "evil*", "-m", "ansible.builtin.debug", "-a", "var=tanium_host_name", command="ansible",
                     bin_dir=bin_dir)
    assert evil.returncode == 0, evil.stdout + evil.stderr
    assert '"tanium_host_name": "evil{{ 7 * 7 }}"' in evil.stdout and "49" not in evil.stdout

    local = inventory({}, "localhost", "-m", "ansible.builtin.debug", "-a", "var=tanium_client_id", command="ansible",
                      bin_dir=bin_dir)
    assert local.returncode == 0, local.stdout + local.stderr
    # "VARIABLE IS NOT DEFINED!" before ansible-core 2.19, "'tanium_client_id' is undefined" since.
    assert "NOT DEFINED" in local.stdout or "'tanium_client_id' is undefined" in local.stdout
    assert "10.20.2.99" not in local.stdout and "localhost_103" not in local.stdout


# --- the cache ---
def test_a_second_run_reads_the_cache_and_sends_nothing(emulator, alerts, inventory, tmp_path):
    cache_dir = tmp_path / "cache"
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache_dir)}
    first = listed(inventory(config, "--list"))
    sent = len(emulator.journal)
    assert sent == 6

    second = listed(inventory(config, "--list"))
    assert len(emulator.journal) == sent
    assert second == first
    cached = "".join(path.read_text() for path in cache_dir.iterdir())
    assert "WIN-HR-03" in cached and emulator.api_token not in cached

    # Filters apply to the cached fleet at each run.
    filtered = listed(inventory(dict(config, filters={"host_names": ["lnx-*"]}), "--list"))
    assert set(filtered["_meta"]["hostvars"]) == {"lnx-web-01", "lnx-old-09"}
    assert len(emulator.journal) == sent

    listed(inventory(config, "--list", "--flush-cache"))
    assert len(emulator.journal) == 2 * sent


def test_the_cache_of_one_server_never_answers_for_another(emulator, alerts, inventory, tmp_path):
    from emulator import EmulatorConfig, EmulatorServer

    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "c")}
    listed(inventory(config, "--list"))
    with EmulatorServer(EmulatorConfig(fleet=FLEET[:1])) as other:
        env = {"TANIUM_URL": other.url, "TANIUM_API_TOKEN": other.api_token, "TANIUM_CA_PATH": other.ca_file}
        listing = listed(inventory(config, "--list", env=env))
        assert set(listing["_meta"]["hostvars"]) == {"WIN-HR-03"}
        assert [entry["path"] for entry in other.journal][:2] == [STATUS, ALERTS]


# --- what the server may do ---
@pytest.mark.emulator(fleet=FLEET, system_status_page_max=4)
def test_a_server_that_pages_system_status_is_read_to_the_end(emulator, alerts, inventory):
    listing = listed(inventory({"platform_lookup": "none"}, "--list"))

    assert set(listing["_meta"]["hostvars"]) == HOSTS
    pages = [json.loads(entry["tanium_options"]) if entry["tanium_options"] else None
             for entry in emulator.journal if entry["path"] == STATUS]
    assert pages == [None, {"row_start": 4, "row_count": 4, "cache_id": pages[1]["cache_id"]},
                     {"row_start": 8, "row_count": 4, "cache_id": pages[1]["cache_id"]}]


@pytest.mark.emulator(fleet=FLEET, api_version="both")
def test_api_version_3_reads_alerts_from_detect3(emulator, alerts, inventory):
    listing = listed(inventory({"api_version": "3", "platform_lookup": "none"}, "--list"))

    assert group(listing, "tanium_alerted") == ALERTED
    # 3.x lists carry no total: the alerts end with an empty page.
    detect3 = "/plugin/products/detect3/api/v1/alerts"
    assert requests(emulator) == [("GET", STATUS, {}),
                                  ("GET", detect3, {"state": ["unresolved"], "limit": ["500"], "offset": ["0"]}),
                                  ("GET", detect3, {"state": ["unresolved"], "limit": ["500"], "offset": ["4"]})]


def test_a_server_without_dec_endpoints_leaves_the_platform_out_with_one_warning(emulator, alerts, inventory):
    emulator.add_fault(method="GET", path=r"/dec/v1/endpoints", status=404, times=100)
    completed = inventory({}, "--list")
    listing = listed(completed)

    assert group(listing, "tanium_alerted") == ALERTED
    assert not any("tanium_platform" in variables for variables in listing["_meta"]["hostvars"].values())
    assert completed.stderr.count("has no dec/v1/endpoints API") == 1


# --- connection settings and secrets ---
def test_blank_tanium_variables_count_as_not_set(emulator, alerts, inventory):
    # What AWX injects for a username credential without a CA: the other fields as empty strings.
    env = {"TANIUM_API_TOKEN": "", "TANIUM_USERNAME": emulator.username, "TANIUM_PASSWORD": emulator.password,
           "TANIUM_CA_PATH": "", "TANIUM_VALIDATE_CERTS": "", "REQUESTS_CA_BUNDLE": emulator.ca_file}
    completed = inventory({"platform_lookup": "none"}, "--list", env=env)

    assert group(listed(completed), "tanium_alerted") == ALERTED
    assert "validate_certs" not in completed.stderr
    assert [path for _method, path, _query in requests(emulator)] == ["/api/v2/session/login", STATUS, ALERTS]


def test_no_secret_in_any_output_at_the_highest_verbosity(emulator, alerts, inventory, tmp_path):
    env = {"TANIUM_API_TOKEN": "", "TANIUM_USERNAME": emulator.username, "TANIUM_PASSWORD": emulator.password}
    good = inventory({}, "--list", "-vvvv", env=env)
    assert good.returncode == 0, good.stderr
    refused = inventory({}, "--list", "-vvvv", env={"TANIUM_API_TOKEN": "token-" + "9" * 32})
    assert refused.returncode != 0 and "the API token was refused" in refused.stderr
    wrong = inventory({}, "--list", "-vvvv", env=dict(env, TANIUM_PASSWORD="Wrong-Passw0rd!"))
    assert wrong.returncode != 0 and f"login as {emulator.username!r} was refused" in wrong.stderr

    for completed in (good, refused, wrong):
        output = completed.stdout + completed.stderr
        for secret in (emulator.password, emulator.api_token, "9" * 32, "Wrong-Passw0rd!"):
            assert secret not in output


@pytest.mark.parametrize("config, env, message", [
    ({}, {"TANIUM_URL": ""}, "url is not set: give url in the inventory file or set TANIUM_URL"),
    ({"url": "https://admin:Secr3t-Pw@127.0.0.1:1"}, {}, "url must not hold a user name or password"),
    ({"filters": {"hostnames": ["x"]}}, {}, "filters: hostnames is not a filter; the filters are host_names,"),
    ({"filters": {"registered_within": -1}}, {}, "filters: registered_within must not be negative"),
    ({"alert_states": []}, {}, "alert_states must name at least one state"),
    ({"alert_states": ["open"]}, {}, "alert_states"),
    ({"alerted_within": -5}, {}, "alerted_within must not be negative"),
    ({"ca_path": "/nonexistent/ca.pem"}, {}, "ca_path (TANIUM_CA_PATH) /nonexistent/ca.pem does not exist"),
])
def test_bad_settings_fail_before_any_request_naming_the_setting(emulator, inventory, config, env, message):
    completed = inventory(config, "--list", env=env)

    assert completed.returncode != 0
    assert message in " ".join(completed.stderr.split())
    assert "Secr3t-Pw" not in completed.stdout + completed.stderr
    assert emulator.journal == []


def test_only_files_named_tanium_yml_or_yaml_are_read(emulator, inventory):
    completed = inventory({}, "--list", name="fleet.yml")
    assert completed.returncode != 0 and emulator.journal == []
    assert set(listed(inventory({}, "--list", name="fleet.tanium.yaml"))["_meta"]["hostvars"]) == HOSTS


def test_ansible_doc_renders_the_plugin(ansible_env):
    completed = subprocess.run([str(ANSIBLE_BIN / "ansible-doc"), "-t", "inventory", "tanium.threat_response.endpoints"],
                               env=dict(ansible_env, ANSIBLE_PAGER="cat", PAGER="cat"), capture_output=True, text=True,
                               timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    text = " ".join(completed.stdout.split())
    for expected in ("alerted_within", "platform_lookup", "set_via: env: - name: TANIUM_API_TOKEN", "keyed_groups",
                     "cache_plugin", "registered_within"):
        assert expected in text, expected


def test_awx_inventory_source_with_the_credential_type(emulator, alerts, tmp_path):
    """AWX updates an inventory source by running ansible-inventory through ansible-runner, with the
    environment the credential's injectors render (rendered here as test_awx_runner.py renders it)."""
    from ansible_runner.interface import run_command
    from integration.test_awx_runner import inject, load_credential_type

    private_data_dir = tmp_path / "update"
    (private_data_dir / "env").mkdir(parents=True)
    source = Path(__file__).resolve().parents[2] / "extensions" / "awx" / "inventory" / "endpoints.tanium.yml"
    envvars = inject(load_credential_type(), {"url": emulator.url, "api_token": emulator.api_token,
                                              "ca_cert": Path(emulator.ca_file).read_text()}, private_data_dir)
    envvars.update(ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
                   ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    clean = {name: value for name, value in os.environ.items() if not name.startswith("TANIUM_")}
    stdout, stderr, rc = run_command(
        executable_cmd=str(ANSIBLE_BIN / "ansible-inventory"), cmdline_args=["--list", "--export", "-i", str(source)],
        private_data_dir=str(private_data_dir), envvars=dict(clean, **envvars), quiet=True)

    assert rc == 0, stdout + stderr
    listing = json.loads(stdout[stdout.index("{"):])
    assert set(listing["_meta"]["hostvars"]) == HOSTS
    assert group(listing, "tanium_alerted") == ALERTED
    assert emulator.api_token not in stdout + stderr
