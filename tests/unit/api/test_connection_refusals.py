"""Url, TLS and proxy mistakes: each refused or reported with its real cause and the setting to check.

Real sockets on 127.0.0.1 only: the emulator, or the small servers in tests/local_servers.py.
"""

import base64
import ssl
import threading
import time

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    InvalidInput,
    RequestFailed,
    TransportError,
    WriteOutcomeUnknown,
)
from local_servers import (
    answer_400_in_plain_http,
    closed_port,
    connect_proxy,
    counting_tls_handshakes,
    full_listener,
    http_answer,
    plain_http_api,
    raw_server,
    read_request,
    recording_relay,
    scripted_http,
    slow_tls_answer,
    socks5_proxy,
    tls_cutter,
    tls_server_context,
)

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


def test_a_server_with_no_cipher_in_common_names_the_tls_failure(emulator, make_client):
    tls_dir = emulator.ca_file.rsplit("/", 1)[0]
    context = tls_server_context(f"{tls_dir}/server.pem", f"{tls_dir}/server.key")
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("NULL-SHA256:@SECLEVEL=0")  # a cipher no client offers
    with raw_server(slow_tls_answer(context, b"", before_handshake=0, before_answer=0)) as port:
        with pytest.raises(TransportError) as caught:
            make_client(url=f"https://127.0.0.1:{port}", retries=0).get(INTELS)
    assert str(caught.value).endswith(f"the TLS connection to 127.0.0.1:{port} failed (SSLV3_ALERT_HANDSHAKE_FAILURE)")


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
    assert caught.value.request_sent is False  # the server never saw it: a create may be sent again
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


# -- what is not retried, and what is ------------------------------------------------------------


def test_a_refused_certificate_is_not_tried_again(emulator, make_client, tmp_path):
    from emulator.tls import ensure_certificates

    tls_dir = emulator.ca_file.rsplit("/", 1)[0]
    handshakes = []
    other_ca = ensure_certificates(str(tmp_path / "other-ca"))[0]
    context = tls_server_context(f"{tls_dir}/server.pem", f"{tls_dir}/server.key")
    with raw_server(counting_tls_handshakes(context, handshakes)) as port:
        with pytest.raises(TransportError) as caught:
            make_client(url=f"https://127.0.0.1:{port}", ca_path=other_ca, retries=3).get(INTELS)
    assert "TLS verification of" in str(caught.value)
    assert len(handshakes) == 1


def test_a_plain_http_port_is_not_tried_again(make_client):
    tries = []

    def count_and_answer(connection):
        tries.append(1)
        answer_400_in_plain_http(connection)

    with raw_server(count_and_answer) as port:
        with pytest.raises(TransportError):
            make_client(url=f"https://127.0.0.1:{port}", retries=3).get(INTELS)
    assert len(tries) == 1


def test_a_refused_connection_is_tried_again_and_succeeds_once_the_server_listens(make_client):
    port = closed_port()
    answer = http_answer("200 OK", [("Content-Type", "application/json")], b'{"data": [{"id": 3}]}')

    def listen_later():
        time.sleep(0.15)  # after the first try (refused), before the third (0.75 s of backoff at least)
        with raw_server(lambda connection: _answer_once(connection, answer), port=port):
            time.sleep(5)

    threading.Thread(target=listen_later, daemon=True).start()
    assert make_client(url=f"http://127.0.0.1:{port}", ca_path=None, allow_http=True, retries=3).get(INTELS) == [
        {"id": 3}]


def _answer_once(connection, answer):
    with connection:
        if read_request(connection):
            connection.sendall(answer)


def test_a_connection_that_cannot_be_made_in_time_names_the_timeout(make_client):
    with full_listener() as port:
        with pytest.raises(TransportError) as caught:
            make_client(url=f"http://127.0.0.1:{port}", ca_path=None, allow_http=True, timeout=1, retries=0).get(INTELS)
    assert str(caught.value).endswith(f"no connection to 127.0.0.1:{port} within 1 seconds")
    assert caught.value.request_sent is False


# -- answers that are not what HTTP or the API promise ----------------------------------------------


@pytest.mark.parametrize(("answer", "sentence"), [
    (http_answer("302 Found", [("Location", "https://elsewhere.example/login")]),
     "HTTP 302: the server answered with a redirect to https://elsewhere.example/login; the collection follows no"
     " redirect: check url"),
    (http_answer("200 OK", [("Content-Type", "application/json")], b"[" * 200_000),
     "HTTP 200: the answer is JSON nested more deeply than it can be read"),
    (http_answer("200 OK", [("Content-Type", "text/plain; charset=x-no-such-charset")], b"hello"),
     "HTTP 200: the answer's charset 'x-no-such-charset' is unknown"),
    (http_answer("200 OK", [("X-Padding", "p" * 70_000)], b"{}"),
     "has a line longer than HTTP allows (got more than 65536 bytes when reading header line); refused"),
])
def test_an_answer_no_client_can_use_ends_in_one_sentence_and_is_not_retried(make_client, answer, sentence):
    with scripted_http(answer) as (url, seen):
        with pytest.raises(RequestFailed) as caught:
            make_client(url=url, ca_path=None, allow_http=True, retries=2).get(INTELS)
    message = str(caught.value)
    assert message.startswith(f"GET {INTELS} failed: ") and message.endswith(sentence), message
    assert "\n" not in message
    assert len(seen) == 1


# -- settings refused before anything is sent ------------------------------------------------------


@pytest.mark.parametrize("content", ["", "not a certificate\n"])
def test_a_ca_path_that_holds_no_pem_certificate_is_refused_naming_it(make_client, tmp_path, content):
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(content)
    with pytest.raises(InvalidInput) as caught:
        make_client(ca_path=str(ca_file))
    assert str(caught.value).startswith(f"ca_path (TANIUM_CA_PATH) {ca_file} holds no PEM certificate")


@pytest.mark.parametrize("timeout", [0, -1, 0.0])
def test_a_timeout_that_gives_a_request_no_time_is_refused(make_client, timeout):
    with pytest.raises(InvalidInput) as caught:
        make_client(timeout=timeout)
    assert str(caught.value) == f"timeout (TANIUM_TIMEOUT) must be a number of seconds greater than 0, not {timeout!r}"


# -- proxies, as requests reads them from the environment -----------------------------------------


def _no_no_proxy(monkeypatch):
    for variable in ("NO_PROXY", "no_proxy"):  # set for the tests in tests/conftest.py
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(("host", "entry"), [("127.0.0.1", "127.0.0.0/8"), ("localhost", "localhost:{port}")])
def test_no_proxy_takes_cidr_ranges_and_host_port_entries(emulator, make_client, monkeypatch, host, entry):
    # requests matches host:port entries against host names, and CIDR ranges against IP addresses.
    _no_no_proxy(monkeypatch)
    port = emulator.url.rsplit(":", 1)[1]
    url = f"https://{host}:{port}"
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port()}")  # a dead proxy: used, it would fail
    monkeypatch.setenv("NO_PROXY", f"10.0.0.0/8,{entry.format(port=port)}")
    assert make_client(url=url, retries=0).get(INTELS) == []
    monkeypatch.setenv("NO_PROXY", f"{host}:1" if host == "localhost" else "10.0.0.0/8")  # not this server
    with pytest.raises(TransportError, match="through the proxy"):
        make_client(url=url, retries=0).get(INTELS)
    assert len(emulator.journal) == 1


def test_an_https_proxy_gets_tls_so_its_credentials_never_cross_in_clear(emulator, make_client, monkeypatch):
    _no_no_proxy(monkeypatch)
    tls_dir = emulator.ca_file.rsplit("/", 1)[0]
    context = tls_server_context(f"{tls_dir}/server.pem", f"{tls_dir}/server.key")
    seen, wire_bytes = [], bytearray()
    with raw_server(connect_proxy(seen, context=context)) as proxy_port, \
            raw_server(recording_relay(proxy_port, wire_bytes)) as relay_port:
        monkeypatch.setenv("HTTPS_PROXY", f"https://proxy-user:proxy-pw-2468@127.0.0.1:{relay_port}")
        assert make_client().get(INTELS) == []
    credentials = base64.b64encode(b"proxy-user:proxy-pw-2468")
    assert [entry["authorization"] for entry in seen] == [f"Basic {credentials.decode()}"]  # the proxy got them
    assert wire_bytes[:1] == b"\x16"  # what crossed the wire starts with a TLS handshake
    assert credentials not in wire_bytes and b"proxy-pw-2468" not in wire_bytes and b"CONNECT" not in wire_bytes
    assert len(emulator.journal) == 1


def test_a_socks5_proxy_is_spoken_to_in_socks(emulator, make_client, monkeypatch):
    _no_no_proxy(monkeypatch)
    seen = []
    with raw_server(socks5_proxy(seen)) as port:
        monkeypatch.setenv("HTTPS_PROXY", f"socks5://127.0.0.1:{port}")
        assert make_client().get(INTELS) == []
    assert seen == [emulator.url.split("//")[1]]
    assert len(emulator.journal) == 1


def test_a_plain_http_server_through_a_proxy_is_asked_with_the_absolute_url_and_the_proxy_credentials(
        make_client, monkeypatch):
    _no_no_proxy(monkeypatch)
    seen = []
    with plain_http_api({"data": []}) as (url, api_seen), raw_server(connect_proxy(seen)) as port:
        monkeypatch.setenv("HTTP_PROXY", f"http://proxy-user:proxy-pw@127.0.0.1:{port}")
        assert make_client(url=url, ca_path=None, allow_http=True).get(INTELS) == []
    credentials = base64.b64encode(b"proxy-user:proxy-pw").decode()
    assert [(entry["request"], entry["authorization"]) for entry in seen] == [
        (f"GET {url}{INTELS} HTTP/1.1", f"Basic {credentials}")]
    assert len(api_seen) == 1


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_a_proxy_refusing_its_credentials_is_named_and_not_asked_again(make_client, monkeypatch, scheme):
    _no_no_proxy(monkeypatch)
    seen = []
    with raw_server(connect_proxy(seen, refuse="407 Proxy Authentication Required")) as port:
        monkeypatch.setenv(f"{scheme.upper()}_PROXY", f"http://proxy-user:wrong-pw-1357@127.0.0.1:{port}")
        client = make_client(url=f"{scheme}://127.0.0.1:9", ca_path=None, allow_http=True, retries=3)
        with pytest.raises(RequestFailed) as caught:
            client.get(INTELS)
    assert str(caught.value).endswith(
        f"the proxy 127.0.0.1:{port} set by the {scheme.upper()}_PROXY or ALL_PROXY environment variable refused the"
        " request (407 Proxy Authentication Required): check the user and password in the proxy url")
    assert "wrong-pw-1357" not in str(caught.value)
    assert len(seen) == 1
