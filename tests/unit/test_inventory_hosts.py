"""Endpoints as hosts (plugins/plugin_utils/_inventory_hosts.py): filters, safe and unique names, alerts
counted for the right endpoint, the alerted window, and the variables, from a fleet and a fixed clock."""

import datetime

import pytest

from ansible_collections.tanium.threat_response.plugins.plugin_utils._inventory_hosts import (
    alerted_client_ids,
    endpoint_hosts,
)

NOW = datetime.datetime(2026, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
DAY = 86400


def at(seconds_ago):
    return (NOW - datetime.timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def endpoint(client_id, host_name, ip="10.0.0.1", registered=60, status="Normal"):
    return {"client_id": client_id, "host_name": host_name, "ip": ip, "status": status,
            "last_registration": registered if registered is None or isinstance(registered, str) else at(registered)}


def hosts(endpoints, alerts=(), platforms=None, alerted_within=DAY, **filters):
    fleet = {"endpoints": endpoints, "alerts": [list(alert) for alert in alerts], "platforms": platforms or {}}
    return endpoint_hosts(fleet, NOW, alerted_within, **filters)


def by_name(found):
    return {host.name: host for host in found.hosts}


@pytest.mark.parametrize("server_name, inventory_name", [
    ("WIN-HR-03", "WIN-HR-03"),
    ("web01.corp.example.com", "web01.corp.example.com"),
    ("Jane's MacBook Pro", "Jane_s_MacBook_Pro"),
    ("a,b:c!d&e*f?g[h]i~j", "a_b_c_d_e_f_g_h_i_j"),
    ("x{{ lookup('pipe', 'id') }}", "x___lookup__pipe____id_____"),
    ("東京-pc01", "東京-pc01"),
    ("  padded  ", "padded"),
    ("", "tanium-5"),
])
def test_names_are_safe_in_host_patterns_and_keep_the_server_name_in_a_variable(server_name, inventory_name):
    [host] = hosts([endpoint("5", server_name)]).hosts
    assert host.name == inventory_name
    assert host.variables["tanium_host_name"] == server_name


def test_the_endpoint_registered_last_keeps_a_shared_name_the_others_get_their_client_id():
    found = hosts([endpoint("1", "WIN-A", registered=3 * DAY), endpoint("2", "win-a", registered=60),
                   endpoint("3", "WIN B", registered=DAY), endpoint("4", "WIN_B", registered=2 * DAY)])

    assert {host.name: host.variables["tanium_client_id"] for host in found.hosts} == {
        "win-a": "2", "WIN_B": "3", "WIN_B_4": "4", "WIN-A_1": "1"}
    assert sorted(found.renamed) == [("WIN-A", "WIN-A_1"), ("WIN_B", "WIN_B_4")]


def test_an_endpoint_without_a_readable_registration_yields_a_shared_name():
    found = hosts([endpoint("1", "dup", registered=None), endpoint("2", "dup", registered=5 * DAY)])
    assert {host.name for host in found.hosts} == {"dup", "dup_1"}


@pytest.mark.parametrize("reserved", ["localhost", "LOCALHOST", "127.0.0.1", "all", "ungrouped"])
def test_a_reserved_name_is_never_given_to_an_endpoint(reserved):
    found = hosts([endpoint("9", reserved)])
    assert [host.name for host in found.hosts] == [f"{reserved}_9"]
    assert found.renamed == [(reserved, f"{reserved}_9")]


def test_a_derived_name_another_endpoint_already_holds_is_not_given_twice():
    found = hosts([endpoint("1", "pc_9", registered=10), endpoint("2", "pc", registered=20),
                   endpoint("9", "pc", registered=30)])
    assert [(host.name, host.variables["tanium_client_id"]) for host in found.hosts] == [
        ("pc_9", "1"), ("pc", "2"), ("pc_9_", "9")]


def test_an_alert_counts_for_the_endpoint_with_its_address_else_the_one_registered_last():
    endpoints = [endpoint("1", "WIN-A", ip="10.0.0.1", registered=3 * DAY),
                 endpoint("2", "WIN-A", ip="10.0.0.2", registered=60)]
    found = by_name(hosts(endpoints, alerts=[("win-a", "10.0.0.1", at(10)), ("WIN-A", "10.9.9.9", at(10)),
                                             ("WIN-A", None, at(10))]))

    assert (found["WIN-A_1"].variables["tanium_alerts"], found["WIN-A_1"].alerted) == (1, True)
    assert (found["WIN-A"].variables["tanium_alerts"], found["WIN-A"].alerted) == (2, True)
    assert alerted_client_ids(endpoints, [["WIN-A", "10.0.0.1", at(10)]]) == {"1"}


def test_alerted_means_an_alert_within_the_window_and_zero_means_any_age():
    endpoints = [endpoint("1", "recent"), endpoint("2", "old"), endpoint("3", "unreadable"), endpoint("4", "none")]
    alerts = [("recent", None, at(DAY - 5)), ("old", None, at(DAY + 5)), ("old", None, at(3 * DAY)),
              ("unreadable", None, "yesterday"), ("elsewhere", None, at(5))]

    found = hosts(endpoints, alerts)
    assert {host.name for host in found.hosts if host.alerted} == {"recent"}
    assert {host.name: host.variables["tanium_alerts"] for host in found.hosts} == {
        "recent": 1, "old": 2, "unreadable": 1, "none": 0}
    assert found.unmatched_alerts == 1
    assert {host.name for host in hosts(endpoints, alerts, alerted_within=0).hosts if host.alerted} == {
        "recent", "old", "unreadable"}
    # An alert stamped ahead of the controller's clock is recent.
    assert hosts([endpoint("1", "skewed")], [("skewed", None, at(-600))]).hosts[0].alerted


def test_filters_match_globs_ignoring_case_and_registration_age():
    endpoints = [endpoint("1", "WIN-SRV-01", registered=60), endpoint("2", "win-srv-dc", registered=60),
                 endpoint("3", "WIN-SRV-02", registered=10 * DAY), endpoint("4", "lnx-01", registered=60),
                 endpoint("5", "WIN-SRV-03", registered="garbage")]

    def names(**filters):
        return sorted(host.name for host in hosts(endpoints, **filters).hosts)

    assert names(host_names=["Win-Srv-*"]) == ["WIN-SRV-01", "WIN-SRV-02", "WIN-SRV-03", "win-srv-dc"]
    assert names(host_names=["win-srv-*"], exclude_host_names=["*-DC"]) == ["WIN-SRV-01", "WIN-SRV-02", "WIN-SRV-03"]
    assert names(exclude_host_names=["win*"]) == ["lnx-01"]
    assert names(registered_within=DAY) == ["WIN-SRV-01", "lnx-01", "win-srv-dc"]
    assert names(host_names=["lnx-0[1-3]", "nothing"]) == ["lnx-01"]


def test_alerts_of_an_endpoint_left_out_by_a_filter_count_for_no_host():
    found = hosts([endpoint("1", "keep"), endpoint("2", "drop")], [("drop", None, at(5))],
                  exclude_host_names=["drop"])
    assert [(host.name, host.alerted) for host in found.hosts] == [("keep", False)]
    assert found.unmatched_alerts == 1


def test_variables_hold_the_address_only_when_known_and_the_platform_only_where_the_server_said_it():
    found = by_name(hosts([endpoint("1", "a", ip="10.0.0.7", status="Slow link"), endpoint("2", "b", ip=None)],
                          platforms={"1": "windows"}))

    assert found["a"].variables == {
        "ansible_host": "10.0.0.7", "tanium_client_id": "1", "tanium_host_name": "a", "tanium_ip": "10.0.0.7",
        "tanium_status": "Slow link", "tanium_last_registration": at(60), "tanium_alerts": 0,
        "tanium_platform": "windows"}
    assert "ansible_host" not in found["b"].variables and "tanium_platform" not in found["b"].variables


def test_hosts_come_most_recently_registered_first():
    found = hosts([endpoint("1", "old", registered=DAY), endpoint("2", "new", registered=5),
                   endpoint("3", "unknown", registered=None)])
    assert [host.name for host in found.hosts] == ["new", "old", "unknown"]
