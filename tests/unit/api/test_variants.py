"""Which of two wire forms a server serves, found out once per run (WireVariants), against the emulator over HTTPS."""

import threading

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError, NotFoundError

API = "/plugin/products/threat-response/api/v1"


def label_update(client, label_id, description):
    """A label update in its two forms: by path (not served in strict mode), then by query."""
    fields = {"description": description}
    return client.variants.send(
        "label update",
        lambda: client.put(f"{API}/labels/{label_id}", json_body=fields),
        lambda: client.request("PUT", f"{API}/labels", params={"id": label_id}, json_body=fields))


def puts(emulator):
    return [(entry["path"].removeprefix(API + "/"), entry["status"]) for entry in emulator.journal
            if entry["method"] == "PUT"]


@pytest.fixture
def labels(emulator, make_client):
    client = make_client()
    created = [client.post(f"{API}/labels", json_body={"name": f"L{number}", "description": ""}) for number in range(8)]
    emulator.clear_journal()
    return [label["id"] for label in created]


@pytest.mark.emulator(strict=True)
def test_after_a_404_only_the_fallback_form_is_sent_for_the_rest_of_the_run(emulator, make_client, labels):
    client = make_client()
    first, second = labels[:2]
    assert label_update(client, first, "one")["description"] == "one"
    assert label_update(client, second, "two")["description"] == "two"
    assert puts(emulator) == [(f"labels/{first}", 404), ("labels", 200), ("labels", 200)]
    # Another run (another client) finds out again.
    emulator.clear_journal()
    label_update(make_client(), first, "three")
    assert puts(emulator) == [(f"labels/{first}", 404), ("labels", 200)]


@pytest.mark.emulator(strict=False)
def test_a_server_serving_the_first_form_gets_only_that_and_its_later_404s_are_errors(emulator, make_client, labels):
    client = make_client()
    label_update(client, labels[0], "one")
    label_update(client, labels[1], "two")
    assert puts(emulator) == [(f"labels/{labels[0]}", 200), (f"labels/{labels[1]}", 200)]
    # The first form is served: a 404 now means a missing label, not a missing form.
    with pytest.raises(NotFoundError):
        label_update(client, 999, "gone")
    assert puts(emulator)[-1] == ("labels/999", 404)


@pytest.mark.emulator(strict=False)
def test_another_failure_of_the_first_form_is_raised_without_trying_the_fallback(emulator, make_client, labels):
    emulator.add_fault(method="PUT", path=r"/labels/\d+$", action="status", status=400, times=1)
    client = make_client(retries=0)
    with pytest.raises(ApiError) as caught:
        label_update(client, labels[0], "one")
    assert caught.value.status == 400
    assert puts(emulator) == [(f"labels/{labels[0]}", 400)]
    label_update(client, labels[0], "one")  # nothing was remembered: the first form again
    assert puts(emulator)[-1] == (f"labels/{labels[0]}", 200)


@pytest.mark.emulator(strict=True)
def test_threads_of_one_run_share_what_was_found_out(emulator, make_client, labels):
    client = make_client()
    label_update(client, labels[0], "first")
    emulator.clear_journal()
    threads = [threading.Thread(target=label_update, args=(client, label_id, f"d{label_id}")) for label_id in labels[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(puts(emulator)) == [("labels", 200)] * (len(labels) - 1)
    described = {label["id"]: label["description"] for label in emulator.labels()}
    assert [described[label_id] for label_id in labels[1:]] == [f"d{label_id}" for label_id in labels[1:]]
