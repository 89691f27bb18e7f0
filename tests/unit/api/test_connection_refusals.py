"""Url, TLS and proxy mistakes: each refused or reported with its real cause and the setting to check.

Real sockets on 127.0.0.1 only: the emulator, or the small servers in tests/unit/sockets.py.
"""

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    InvalidInput,
    TransportError,
    WriteOutcomeUnknown,
)
from local_servers import answer_400_in_plain_http, closed_port, connect_proxy, plain_http_api, raw_server, tls_cutter

INTELS = "/plugin/products/threat-response/api/v1/intels"


def test_url_with_user_and_password_is_refused_without_showing_them(emulator, make_client):
    url = emulator.url.replace("https://", "https://svc:pw-in-url-1234@")
    with pytest.raises(InvalidInput) as caught:
        make_client(url=url)
    message = str(caught.value)
    assert "pw-in-url-1234" not in message and "svc" not in message
    assert message.startswith("url must not hold a user name or password")


def test_http_url_is_refused_saying_the_token_would_travel_in_clear_text(make_client):
    with plain_http_api([]) as (url, seen):
        with pytest.raises(InvalidInput) as caught:
            make_client(url=url, ca_path=None)
    assert str(caught.value) == (
        f"url {url} uses http://, which would send the API token or password in clear text: use https://, or set"
        " allow_http (TANIUM_ALLOW_HTTP) to true for a lab server")
    assert seen == []


def test_allow_http_lets_a_lab_server_be_reached_over_http(make_client):
    with plain_http_api({"data": [{"id": 1}]}) as (url, seen):
        assert make_client(url=url, ca_path=None, allow_http=True).get(INTELS) == [{"id": 1}]
    assert [request["path"] for request in seen] == [INTELS]


@pytest.mark.parametrize(("url", "complaint"), [
    ("tanium.example.com", "must start with https://"),
    ("ftp://tanium.example.com", "must start with https://"),
    ("https://", "has no host name"),
    ("https://tanium.example.com:port", "is not a valid URL"),
])
def test_url_that_is_not_an_https_url_is_refused_naming_it(make_client, url, complaint):
    with pytest.raises(InvalidInput) as caught:
        make_client(url=url)
    assert str(caught.value).startswith(f"url {url!r} ") and complaint in str(caught.value)


def test_missing_ca_path_file_is_refused_naming_the_setting_and_the_path(emulator, make_client, tmp_path):
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(InvalidInput) as caught:
        make_client(ca_path=str(missing))
    assert str(caught.value).startswith(f"ca_path (TANIUM_CA_PATH) {missing} does not exist")
    assert emulator.journal == []


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_missing_ca_bundle_from_the_environment_is_refused_naming_the_variable(
        emulator, make_client, tmp_path, monkeypatch, variable):
    missing = tmp_path / "no-such-bundle.pem"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, str(missing))
    with pytest.raises(InvalidInput) as caught:
        make_client(ca_path=None)
    assert str(caught.value).startswith(f"the {variable} environment variable names {missing}, which does not exist")
    # An explicit ca_path wins over the variable, as it did in requests.
    assert make_client().get(INTELS) == []


def test_https_url_to_a_plain_http_port_says_so_instead_of_blaming_the_certificate(make_client):
    with raw_server(answer_400_in_plain_http) as port:
        with pytest.raises(TransportError) as caught:
            make_client(url=f"https://127.0.0.1:{port}", retries=0).get(INTELS)
    message = str(caught.value)
    assert f"127.0.0.1:{port} did not answer in TLS (" in message  # the reason code depends on OpenSSL
    assert "plain-HTTP port" in message and "check the port in url" in message
    assert "ca_path" not in message and "certificate" not in message


def test_connection_cut_mid_upload_is_reported_as_cut_not_as_a_certificate_problem(emulator, make_client):
    tls_dir = emulator.ca_file.rsplit("/", 1)[0]
    handle = tls_cutter(f"{tls_dir}/server.pem", f"{tls_dir}/server.key", after_bytes=100_000)
    with raw_server(handle) as port:
        client = make_client(url=f"https://127.0.0.1:{port}", retries=0)
        with pytest.raises(TransportError) as caught:
            client.put(INTELS + "/1", data=b"x" * 5_000_000)
        # A create cut this way may have reached the server: looked up before it is sent again.
        with pytest.raises(WriteOutcomeUnknown):
            client.post(INTELS, data=b"x" * 5_000_000)
    message = str(caught.value)
    assert f"the connection to 127.0.0.1:{port} was cut during the TLS exchange" in message
    assert "ca_path" not in message and "certificate" not in message


def test_dead_proxy_is_named_with_the_variable_instead_of_the_server(emulator, make_client, monkeypatch):
    dead = closed_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://proxyuser:proxy-pw-5678@127.0.0.1:{dead}")
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy")
    with pytest.raises(TransportError) as caught:
        make_client(retries=0).get(INTELS)
    message = str(caught.value)
    assert f"through the proxy 127.0.0.1:{dead} set by the HTTPS_PROXY" in message
    assert "(connection refused)" in message and "NO_PROXY" in message
    assert "proxy-pw-5678" not in message
    assert emulator.journal == []


def test_a_body_with_nan_is_never_sent_as_non_standard_json(emulator, make_client):
    with pytest.raises(TransportError) as caught:
        make_client().put(INTELS + "/1", json_body={"score": float("nan")})
    assert "standard JSON" in str(caught.value) and "nothing was sent" in str(caught.value)
    assert emulator.journal == []


def test_a_proxy_that_refuses_the_tunnel_is_named_with_its_answer(make_client, monkeypatch):
    seen = []
    with raw_server(connect_proxy(seen)) as port:  # it opens tunnels to 127.0.0.1 only
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.delenv("no_proxy")
        with pytest.raises(TransportError) as caught:
            make_client(url="https://tanium.example.invalid", ca_path=None, retries=0).get(INTELS)
    message = str(caught.value)
    assert f"cannot reach tanium.example.invalid through the proxy 127.0.0.1:{port}" in message
    assert "(Tunnel connection failed: 403 Forbidden)" in message
    assert [entry["request"].rsplit(" ", 1)[0] for entry in seen] == ["CONNECT tanium.example.invalid:443"]


def test_a_connection_dropped_while_the_answer_is_awaited_is_reported_as_closed_not_as_cut(emulator, make_client):
    emulator.add_fault(method="GET", path="/intels", action="drop", times=1)
    with pytest.raises(TransportError) as caught:
        make_client(retries=0).get(INTELS)
    assert str(caught.value).endswith("was closed before a response arrived")
    assert make_client(retries=0).get(INTELS) == []
