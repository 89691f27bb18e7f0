"""Platform actions (docs/wire-format.md#platform-actions): packages by name, actions to a group or to a
filter group of host names, and each endpoint's status in result_data/action."""

from __future__ import annotations

import json

import pytest

from emulator_testkit import Api, wait_until

WINDOWS = ["WIN-FIN-01", "WIN-DEV-02", "WIN-HR-03", "WIN-SALES-04", "WIN-OPS-05", "WIN-KIOSK-06"]


@pytest.fixture
def api(make_server):
    return Api(make_server(action_delay=0.1, strict=True))


def package(api, name):
    return api.data(api.get(f"/api/v2/packages/by-name/{name}"))


def action_body(api, package_name, target, **extra):
    found = package(api, package_name)
    return dict({"package_spec": {"source_id": found["id"]}, "name": f"test {package_name}",
                 "target_group": target, "action_group": {"name": "All Computers"},
                 "expire_seconds": found["expire_seconds"]}, **extra)


def statuses(api, action_id):
    """Host name -> status text, and (mr_tested, estimated_total)."""
    result = api.data(api.get(f"/api/v2/result_data/action/{action_id}"))["result_sets"][0]
    assert [c["name"] for c in result["columns"]] == ["Computer Name", "Action Statuses", "Count"]
    return ({row["data"][0][0]["text"]: row["data"][1][0]["text"] for row in result["rows"]},
            (result["mr_tested"], result["estimated_total"]))


def settled(api, action_id, final):
    def check():
        found, (tested, total) = statuses(api, action_id)
        return found if tested == total and all(s.split(":")[1].rstrip(".") in final for s in found.values()) else None
    return wait_until(check)


def test_packages_by_name_carry_id_expiry_verify_group_and_parameters(api):
    tagging = package(api, "custom tagging - add tags")
    assert json.loads(tagging["parameter_definition"])["parameters"][0]["key"] == "$1"
    assert tagging["verify_group"] == {"id": 0} and isinstance(tagging["expire_seconds"], int)
    assert package(api, "Distribute Tanium Standard Utilities")["verify_group"]["id"] == 1
    assert api.get("/api/v2/packages/by-name/No%20Such").status_code == 404


def test_an_action_on_a_group_reaches_each_member_and_ends_per_endpoint(make_server):
    api = Api(make_server(action_delay=0.1, action_outcomes={"WIN-KIOSK-06": "NotSucceeded"}))
    action = api.data(api.post("/api/v2/actions", json=action_body(
        api, "Apply Windows IPsec Quarantine", {"name": "Windows Computers"})))
    assert action["target_group"] == {"id": 2, "name": "Windows Computers"} and action["status"] == "Active"
    assert api.data(api.get(f"/api/v2/actions/{action['id']}"))["package_spec"]["name"] == "Apply Windows IPsec Quarantine"
    found = settled(api, action["id"], ("Completed", "NotSucceeded"))
    assert sorted(found) == sorted(WINDOWS)
    assert found["WIN-KIOSK-06"] == f"{action['id']}:NotSucceeded." and found["WIN-HR-03"] == f"{action['id']}:Completed."


def test_a_package_with_a_verify_group_completes_then_verifies(api):
    action = api.data(api.post("/api/v2/actions", json=action_body(
        api, "Distribute Tanium Standard Utilities", {"id": 4})))
    seen = set()

    def verified():
        found = statuses(api, action["id"])[0]
        seen.update(found.values())
        return found.get("mac-exec-01") == f"{action['id']}:Verified."
    wait_until(verified)
    assert f"{action['id']}:Completed." in seen


def test_a_filter_group_of_host_names_targets_exactly_them(api):
    sensor = api.data(api.get("/api/v2/sensors/by-name/Computer%20Name"))
    sub_groups = [{"and_flag": True, "filters": [{"sensor": {"hash": sensor["hash"], "id": sensor["id"],
                                                             "name": "Computer Name"},
                                                  "operator": "Equal", "value": host, "value_type": "String",
                                                  "ignore_case_flag": True}], "sub_groups": []}
                  for host in ("win-hr-03", "lnx-web-01")]
    body = action_body(api, "Apply Linux IPTables Quarantine", {"and_flag": False, "filters": [], "sub_groups": sub_groups})
    action = api.data(api.post("/api/v2/actions", json=body))
    assert action["target_group"]["name"] == ""
    found = settled(api, action["id"], ("Completed", "Failed"))
    assert found == {"WIN-HR-03": f"{action['id']}:Failed.", "lnx-web-01": f"{action['id']}:Completed."}


@pytest.mark.parametrize("change, text", [
    ({"package_spec": {"source_id": 999}}, "no package"),
    ({"package_spec": {"source_id": 110}}, "takes the parameters"),
    ({"package_spec": {"source_id": 110, "parameters": [{"key": "$1", "value": 7}]}}, "takes the parameters"),
    ({"action_group": {"name": "Nowhere"}}, "action_group"),
    ({"target_group": {"id": 2, "name": "Windows Computers"}}, "target_group"),
    ({"expire_seconds": 0}, "expire_seconds"),
    ({"distribute_seconds": 60}, "strict"),
])
def test_bodies_the_server_would_refuse(api, change, text):
    body = dict(action_body(api, "Apply Windows IPsec Quarantine", {"id": 2}), **change)
    response = api.post("/api/v2/actions", json=body)
    assert response.status_code == 400 and text in response.text


def test_parameters_reach_the_action(api):
    body = action_body(api, "Custom Tagging - Add Tags", {"id": 3})
    body["package_spec"]["parameters"] = [{"key": "$1", "value": "contained"}]
    action = api.data(api.post("/api/v2/actions", json=body))
    assert action["package_spec"]["parameters"] == [{"key": "$1", "value": "contained"}]
    assert api.get(f"/api/v2/result_data/action/{action['id'] + 1}").status_code == 404


def test_an_offline_endpoint_never_reports(make_server):
    api = Api(make_server(action_delay=0.1, action_outcomes={"WIN-HR-03": "offline"}))
    action = api.data(api.post("/api/v2/actions", json=action_body(api, "Apply Windows IPsec Quarantine", {"id": 2})))

    def settled_without_it():
        found, (tested, total) = statuses(api, action["id"])
        return (found, tested, total) if len(found) == 5 and all("Completed" in s for s in found.values()) else None
    found, tested, total = wait_until(settled_without_it)
    assert "WIN-HR-03" not in found and (tested, total) == (8, 9)
