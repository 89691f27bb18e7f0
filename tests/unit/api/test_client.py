"""The HTTP client against the emulator over real HTTPS: auth, retries, envelopes, pages, errors."""

import base64
import concurrent.futures
import itertools
import time
from urllib.parse import urlsplit

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import same_page_again
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    DeadlineExceeded,
    NotFoundError,
    TransportError,
    WriteOutcomeUnknown,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import Deadline
from local_servers import connect_proxy, plain_http_api, raw_server

INTELS = "/plugin/products/threat-response/api/v1/intels"
DETECT3_INTELS = "/plugin/products/detect3/api/v1/intels"


def openioc(index):
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="bulk-{index:05d}" last-modified="2026-01-01T00:00:00">'
        f"<short_description>BULK {index:05d}</short_description><description>bulk</description>"
        f'<definition><Indicator operator="OR" id="i-{index}"><IndicatorItem id="ii-{index}" condition="is">'
        f'<Context document="FileItem" search="FileItem/Md5sum" type="mir"/>'
        f'<Content type="md5">{index:032x}</Content></IndicatorItem></Indicator></definition></ioc>'
    ).encode()


def api_requests(emulator, path_part=""):
    return [entry for entry in emulator.journal if path_part in entry["path"]]


def test_token_goes_in_session_header_and_4x_envelope_is_unwrapped(emulator, make_client):
    emulator.seed_intel(openioc(1), filename="one.ioc")
    intels = make_client().get(INTELS)
    assert [intel["name"] for intel in intels] == ["BULK 00001"]
    (entry,) = api_requests(emulator, "/intels")
    assert entry["auth"] == "api_token"
    assert entry["user_agent"] == wire.USER_AGENT == "tanium.threat_response/0.1.0"


def test_503_with_retry_after_is_retried_after_the_pause_and_succeeds(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", action="status", status=503, retry_after=1, times=1)
    started = time.monotonic()
    assert make_client().get(INTELS) == []
    assert time.monotonic() - started >= 1.0
    first, second = api_requests(emulator, "/intels")
    assert (first["status"], second["status"]) == (503, 200)
    assert second["time"] - first["time"] >= 1.0


def test_create_is_sent_again_after_429_because_the_server_did_not_act(emulator, make_client):
    emulator.add_fault(method="POST", path="/intels", action="status", status=429, retry_after=0, times=1)
    created = make_client().post(INTELS, data=openioc(2), headers={
        "Content-Type": "application/xml", "Content-Disposition": "attachment; filename=two.ioc"})
    assert created["name"] == "BULK 00002"
    assert [entry["status"] for entry in emulator.writes()] == [429, 200]
    assert len(emulator.intels()) == 1


@pytest.mark.parametrize("fault", [dict(action="status", status=502), dict(action="apply_then_drop")])
def test_create_with_no_clear_answer_is_not_sent_again_blindly(emulator, make_client, fault):
    emulator.add_fault(method="POST", path="/intels", times=1, **fault)
    with pytest.raises(WriteOutcomeUnknown):
        make_client().post(INTELS, data=openioc(3), headers={
            "Content-Type": "application/xml", "Content-Disposition": "attachment; filename=three.ioc"})
    assert len(emulator.writes()) == 1


def test_get_after_a_dropped_connection_is_retried(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", action="drop", times=1)
    assert make_client().get(INTELS) == []
    assert [entry["status"] for entry in api_requests(emulator, "/intels")][-1] == 200


def test_500_is_not_retried_and_names_method_path_status_and_message(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", action="status", status=500,
                       body={"text": "database unavailable"}, times=None)
    with pytest.raises(ApiError) as caught:
        make_client(retries=5).get(INTELS)
    assert str(caught.value) == f"GET {INTELS} failed: HTTP 500: database unavailable"
    assert len(api_requests(emulator, "/intels")) == 1


def test_limit_over_500_is_the_servers_400_with_its_message(emulator, make_client):
    with pytest.raises(ApiError) as caught:
        make_client().get(INTELS, params={"limit": 501})
    assert caught.value.status == 400
    assert "limit" in caught.value.message.lower()


def test_expired_login_session_is_renewed_once_and_the_call_succeeds(emulator, make_client):
    client = make_client(api_token=None, username=emulator.username, password=emulator.password)
    client.get(INTELS)
    emulator.expire_sessions()
    assert client.get(INTELS) == []
    trail = [(entry["method"], entry["path"], entry["status"]) for entry in emulator.journal]
    assert trail == [
        ("POST", wire.LOGIN_PATH, 200), ("GET", INTELS, 200),
        ("GET", INTELS, 401), ("POST", wire.LOGIN_PATH, 200), ("GET", INTELS, 200),
    ]


@pytest.mark.emulator(expired_status=403)
def test_expired_session_answered_with_403_is_renewed_too(emulator, make_client):
    client = make_client(api_token=None, username=emulator.username, password=emulator.password)
    client.get(INTELS)
    emulator.expire_sessions()
    assert client.get(INTELS) == []
    assert [entry["status"] for entry in emulator.journal][-3:] == [403, 200, 200]


def test_login_is_renewed_only_once_per_call(emulator, make_client):
    client = make_client(api_token=None, username=emulator.username, password=emulator.password)
    emulator.add_fault(method="GET", path="/intels", action="status", status=401, times=None)
    with pytest.raises(AuthError):
        client.get(INTELS)
    logins = [entry for entry in emulator.journal if entry["path"] == wire.LOGIN_PATH]
    assert len(logins) == 2


def test_bad_token_is_a_clear_401_that_does_not_contain_the_token(emulator, make_client):
    secret = "token-0123456789abcdef-bad"
    with pytest.raises(AuthError) as caught:
        make_client(api_token=secret).get(INTELS)
    message = str(caught.value)
    assert secret not in message
    assert message.startswith(f"GET {INTELS} failed: HTTP 401")
    assert "api_token_trusted_ip_address_list" in message


def test_wrong_password_is_a_clear_error_without_the_password(emulator, make_client):
    secret = "not-the-password-42"
    with pytest.raises(AuthError) as caught:
        make_client(api_token=None, username=emulator.username, password=secret).get(INTELS)
    assert secret not in str(caught.value)
    assert "login as" in str(caught.value)


def test_1200_documents_come_back_in_3_pages_of_at_most_500(emulator, make_client):
    for index in range(1200):
        emulator.seed_intel(openioc(index), filename=f"bulk-{index}.ioc")
    intels = list(make_client().paginate(INTELS))
    assert len(intels) == 1200
    assert len({intel["id"] for intel in intels}) == 1200
    pages = [entry["query"] for entry in api_requests(emulator, "/intels")]
    assert [(page["limit"], page["offset"]) for page in pages] == [
        (["500"], ["0"]), (["500"], ["500"]), (["500"], ["1000"])]


@pytest.mark.emulator(list_page_max=50)
def test_a_server_capping_pages_below_limit_is_read_to_meta_total_count_not_to_a_short_page(emulator, make_client):
    for index in range(130):
        emulator.seed_intel(openioc(index), filename=f"bulk-{index}.ioc")
    intels = list(make_client().paginate(INTELS))
    assert len({intel["id"] for intel in intels}) == 130
    pages = [entry["query"]["offset"] for entry in api_requests(emulator, "/intels")]
    assert pages == [["0"], ["50"], ["100"]]  # offsets follow the rows received; meta.totalCount ends it


@pytest.mark.emulator(list_page_max=50)
def test_parallel_paging_reads_every_page_once_and_yields_them_in_order(emulator, make_client):
    for index in range(1200):
        emulator.seed_intel(openioc(index), filename=f"bulk-{index}.ioc")
    intels = list(make_client().paginate(INTELS, parallel=4))
    assert [intel["id"] for intel in intels] == list(range(1200, 0, -1))
    offsets = sorted(int(entry["query"]["offset"][0]) for entry in api_requests(emulator, "/intels"))
    assert offsets == list(range(0, 1200, 50))  # the first page sets the step: the server's 50, not 500


@pytest.mark.emulator(list_page_max=50)
def test_a_short_page_ahead_falls_back_to_one_page_at_a_time_from_the_rows_received(emulator, make_client):
    for index in range(130):
        emulator.seed_intel(openioc(index), filename=f"bulk-{index}.ioc")
    first_page = sorted(emulator.intels(), key=lambda intel: -intel["id"])[:50]
    # The first answer overstates the total: the page at 100 is short (30 rows), 150 is empty.
    emulator.add_fault(method="GET", path="/intels", status=200, times=1,
                       body={"data": first_page, "meta": {"totalCount": 200}})
    intels = list(make_client().paginate(INTELS, parallel=4))
    assert [intel["id"] for intel in intels] == list(range(130, 0, -1))
    offsets = [int(entry["query"]["offset"][0]) for entry in api_requests(emulator, "/intels")]
    assert offsets[0] == 0 and offsets[-1] == 130  # after the short page: on from the 130 rows received
    assert {0, 50, 100, 130} <= set(offsets) <= {0, 50, 100, 150, 130}


@pytest.mark.emulator(list_page_max=50, api_version="3")
def test_without_a_total_the_listing_ends_on_an_empty_page(emulator, make_client):
    for index in range(130):
        emulator.seed_intel(openioc(index), filename=f"bulk-{index}.ioc")
    intels = list(make_client(api_version="3").paginate(DETECT3_INTELS))
    assert len({intel["id"] for intel in intels}) == 130
    pages = [entry["query"]["offset"] for entry in api_requests(emulator, "/intels")]
    assert pages == [["0"], ["50"], ["100"], ["130"]]


@pytest.mark.emulator(api_version="3", strict=True)
def test_a_list_read_with_one_get_pages_only_after_a_full_page(emulator, make_client):
    # Label lists: the first request carries no offset (no client sends one), a short page ends the list.
    client = make_client(api_version="3")
    labels = "/plugin/products/detect3/api/v1/labels"
    assert len(list(client.paginate(labels, page_size=2, short_page_ends=True))) == 3
    assert [entry["query"] for entry in api_requests(emulator, "/labels")] == [
        {"limit": ["2"]}, {"limit": ["2"], "offset": ["2"]}]


@pytest.mark.emulator(api_version="3")
def test_api_version_3_uses_detect3_with_bare_json_and_deploy_stays_on_threat_response(emulator, make_client):
    emulator.seed_intel(openioc(7), filename="seven.ioc")
    client = make_client(api_version="3")
    assert client.api_path(wire.INTELS) == DETECT3_INTELS
    assert [intel["name"] for intel in client.get(DETECT3_INTELS)] == ["BULK 00007"]
    status = client.get(client.deploy_path(wire.DEPLOY_STATUS))
    assert "currentRevision" in status
    assert [entry["path"] for entry in emulator.journal] == [
        DETECT3_INTELS, "/plugin/products/threat-response/api/v1/intel/status"]


@pytest.mark.emulator(api_version="3")
def test_4x_paths_against_a_3x_server_are_a_not_found_error(emulator, make_client):
    with pytest.raises(NotFoundError):
        make_client(api_version="4").get(INTELS)


def test_single_object_where_a_list_was_expected_is_tolerated(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", action="status", status=200,
                       body={"data": {"id": 5, "name": "only"}}, times=1)
    assert [intel["id"] for intel in make_client().paginate(INTELS)] == [5]


def test_wrong_ca_fails_with_a_message_naming_ca_path(emulator, make_client, tmp_path):
    from emulator.tls import ensure_certificates

    other_ca = ensure_certificates(str(tmp_path / "other-ca"))[0]
    with pytest.raises(TransportError) as caught:
        make_client(ca_path=other_ca).get(INTELS)
    assert "ca_path" in str(caught.value)
    assert len(emulator.journal) == 0


def test_validate_certs_false_works_and_warns_once(emulator, make_client):
    warnings = []
    client = make_client(ca_path=None, validate_certs=False, warn=warnings.append)
    client.get(INTELS)
    client.get(INTELS)
    assert len(warnings) == 1 and "validate_certs" in warnings[0]


def test_unreachable_server_is_a_one_line_connection_refused_error(make_client):
    with pytest.raises(TransportError) as caught:
        make_client(url="https://127.0.0.1:9", retries=0).get(INTELS)
    message = str(caught.value)
    assert "\n" not in message and "connection refused" in message and "127.0.0.1:9" in message


def test_a_request_within_a_deadline_gives_up_instead_of_waiting_out_a_long_retry_after(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", action="status", status=503, retry_after=100000, times=None)
    client = make_client(retries=5)
    with pytest.raises(DeadlineExceeded) as caught, client.within(Deadline(5, "the intel listing")):
        client.get(INTELS)
    assert str(caught.value).startswith(f"gave up after 5 seconds waiting for the intel listing (GET {INTELS} "
                                        "answered HTTP 503; the next try would be 60 seconds later)")
    assert [entry["status"] for entry in api_requests(emulator, "/intels")] == [503]  # not retried
    emulator.clear_faults()
    assert client.get(INTELS) == []  # the deadline ended with the block


def test_an_api_token_refused_names_the_likely_causes(emulator, make_client):
    secret = "0123456789abcdef-no-prefix"
    with pytest.raises(AuthError) as caught:
        make_client(api_token=secret).get(INTELS)
    message = str(caught.value)
    assert secret not in message
    for cause in ("`token-` prefix is missing (the token given has none)", "expired (7 days",
                  "trusted IP list, api_token_trusted_ip_address_list"):
        assert cause in message


def test_the_environment_is_read_when_the_client_starts_not_on_every_request(
        emulator, make_client, monkeypatch, tmp_path):
    client = make_client()
    # Read per request (as requests did with trust_env), these would send the next call to a dead proxy and add
    # ~/.netrc credentials to it.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    for variable in ("NO_PROXY", "no_proxy"):  # set for the tests in tests/conftest.py
        monkeypatch.delenv(variable, raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-for-this-server\n")
    monkeypatch.setenv("NETRC", str(netrc))
    assert client.get(INTELS) == []
    assert len(emulator.journal) == 1


def test_a_cookie_the_server_sets_goes_back_with_the_next_request(make_client):
    # A gateway in front of Threat Response may pin a client to one node with a cookie.
    path = "/plugin/products/threat-response/api/v1/intels"
    with plain_http_api({"data": []}, set_cookie="node=a1; Path=/") as (url, seen):
        client = make_client(url=url, ca_path=None, allow_http=True)
        client.get(path)
        client.get(path)
    assert [request["cookie"] for request in seen] == [None, "node=a1"]


def test_a_compressed_answer_is_decoded(make_client):
    path = "/plugin/products/threat-response/api/v1/intels"
    with plain_http_api({"data": [{"id": 7}]}, compress=True) as (url, seen):
        assert make_client(url=url, ca_path=None, allow_http=True).get(path) == [{"id": 7}]
    assert seen[0]["accept_encoding"] == "gzip, deflate"


def test_a_connection_the_server_closed_while_idle_is_not_used_again(make_client):
    path = "/plugin/products/threat-response/api/v1/intels"
    with plain_http_api({"data": []}, close_when_idle=True) as (url, seen):
        client = make_client(url=url, ca_path=None, allow_http=True, retries=0)
        client.get(path)
        time.sleep(0.2)  # the server's close reaches the client's idle connection
        # Sent on the closed connection, this would fail with no retry left.
        assert client.get(path) == []
    assert len(seen) == 2


def test_an_https_server_is_reached_through_the_environment_proxy_with_one_connect_tunnel(
        emulator, make_client, monkeypatch):
    for variable in ("NO_PROXY", "no_proxy"):  # set for the tests in tests/conftest.py
        monkeypatch.delenv(variable, raising=False)
    seen = []
    with raw_server(connect_proxy(seen)) as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://proxy%20user:proxy-pw@127.0.0.1:{port}")
        client = make_client()
        assert client.get(INTELS) == [] and client.get(INTELS) == []
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert make_client().get(INTELS) == []  # listed in NO_PROXY: straight to the server
    credentials = base64.b64encode(b"proxy user:proxy-pw").decode()
    assert [(entry["request"].rsplit(" ", 1)[0], entry["authorization"]) for entry in seen] == [
        (f"CONNECT {urlsplit(emulator.url).netloc}", f"Basic {credentials}")]  # HTTP/1.0 or 1.1 by Python version
    assert len(api_requests(emulator, "/intels")) == 3


def test_a_server_that_ignores_offset_is_not_paged_forever(emulator, make_client):
    # Full pages without a total, the same two rows whatever the offset: the guard ends it on the second page.
    emulator.add_fault(method="GET", path="/intels", action="status", status=200, times=None,
                       body={"data": [{"id": 1}, {"id": 2}]})
    pages = make_client().paginate(INTELS, page_size=2)
    with pytest.raises(ApiError) as caught:
        list(itertools.islice(pages, 20))  # without the guard: 20 rows, no error
    assert str(caught.value) == f"GET {INTELS} failed: HTTP 200: the server returned the same page again at offset 2"
    assert [entry["query"]["offset"] for entry in api_requests(emulator, "/intels")] == [["0"], ["2"]]


def test_the_same_page_again_is_only_a_repeated_non_empty_page():
    page = [{"id": 1, "data": []}]
    assert same_page_again(page, [dict(page[0])])
    assert not same_page_again(None, page)
    assert not same_page_again(page, [{"id": 2, "data": []}])
    assert not same_page_again([], [])


def test_parallel_requests_reuse_a_pool_as_large_as_the_parallelism(make_client):
    connections = []
    with plain_http_api({"data": []}, connections=connections) as (url, seen):
        client = make_client(url=url, ca_path=None, allow_http=True, pool_size=4)
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as workers:
            for _round in range(5):
                list(workers.map(lambda _: client.get(INTELS), range(4)))
    assert len(seen) == 20
    assert len(connections) <= 4  # kept open and used again, none dropped for want of room in the pool


def test_the_ca_bundle_variable_requests_reads_is_used_without_ca_path(emulator, make_client, monkeypatch):
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_file)
    assert make_client(ca_path=None).get(INTELS) == []


def test_a_header_a_caller_builds_with_a_line_break_is_refused_before_sending(emulator, make_client):
    with pytest.raises(TransportError) as caught:
        make_client().post(INTELS, data=b"<ioc/>", headers={"Content-Disposition": "attachment; filename=a\nb.ioc"})
    assert str(caught.value).endswith("could not be built: InvalidHeader")
    assert caught.value.request_sent is False
    assert emulator.journal == []
