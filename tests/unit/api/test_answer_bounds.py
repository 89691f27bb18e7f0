"""Every exchange is bounded: in decoded bytes (a compressed answer is refused at the limit, not after it
expanded), in time (`timeout` covers the whole exchange, not each read or write), and evidence goes to disk as it
comes.

Real servers on 127.0.0.1 (tests/local_servers.py) that write their answers byte for byte.
"""

import gzip
import io
import time
import tracemalloc
import zlib

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._api.exchange import MAX_ANSWER_BYTES
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import Deadline
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    DeadlineExceeded,
    TransportError,
)
from local_servers import (
    endless_chunked_answer,
    http_answer,
    raw_server,
    scripted_http,
    slow_tls_answer,
    tls_server_context,
    trickled_answer,
)

INTELS = "/plugin/products/threat-response/api/v1/intels"
JSON = ("Content-Type", "application/json")


@pytest.fixture(scope="module")
def gzip_bomb():
    """About 250 KB of gzip that decodes to 256 MiB of zeros (4 x the answer limit)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _mebibyte in range(256)]
    return b"".join(parts) + compressor.flush()


@pytest.mark.parametrize("status", ["200 OK", "302 Found"])
def test_a_gzip_bomb_is_refused_at_the_limit_without_being_decompressed_whole(make_client, gzip_bomb, status):
    # Also in a redirect, whose body requests' Session.send would read whole to prepare the next request.
    answer = http_answer(status, [JSON, ("Content-Encoding", "gzip"), ("Location", "/elsewhere")], gzip_bomb)
    with scripted_http(answer) as (url, seen):
        client = make_client(url=url, ca_path=None, allow_http=True, retries=3)
        tracemalloc.start()
        try:
            with pytest.raises(TransportError) as caught:
                client.get(INTELS)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert f"is larger than the limit of {MAX_ANSWER_BYTES:,} bytes once decoded" in str(caught.value)
    assert peak < 2 * MAX_ANSWER_BYTES  # read up to the limit, never the 256 MiB
    assert len(seen) == 1  # a server that sends it once sends it again: not retried


def test_a_content_length_past_the_limit_is_refused_before_reading(make_client):
    absurd = 10 ** 30
    answer = http_answer("200 OK", [JSON, ("Content-Length", str(absurd))], b"[]")
    with scripted_http(answer) as (url, _seen):
        with pytest.raises(TransportError) as caught:
            make_client(url=url, ca_path=None, allow_http=True, retries=0).get(INTELS)
    assert f"(it announces {absurd:,} bytes)" in str(caught.value)


def test_an_absurd_chunk_size_ends_in_one_sentence(make_client):
    answer = http_answer("200 OK", [JSON, ("Transfer-Encoding", "chunked")], b"ffffffffffffffffffffffff\r\n[1,")
    with scripted_http(answer) as (url, _seen):
        with pytest.raises(TransportError) as caught:
            make_client(url=url, ca_path=None, allow_http=True, retries=0).get(INTELS)
    assert str(caught.value).endswith(f"the connection to {url[7:]} was closed before the whole answer arrived")


def test_an_answer_under_the_limit_is_decoded_whatever_its_compression(make_client):
    body = b'{"data": [{"id": 7}]}'
    answers = [http_answer("200 OK", [JSON, ("Content-Encoding", "gzip")], gzip.compress(body)),
               http_answer("200 OK", [JSON, ("Content-Encoding", "deflate")], zlib.compress(body)),
               http_answer("200 OK", [JSON], body)]
    with scripted_http(*answers) as (url, _seen):
        client = make_client(url=url, ca_path=None, allow_http=True)
        assert [client.get(INTELS) for _answer in answers] == [[{"id": 7}]] * 3


def test_a_broken_compressed_answer_says_so(make_client):
    answer = http_answer("200 OK", [JSON, ("Content-Encoding", "gzip")], b"\x1f\x8b\x08\x00garbage-not-gzip")
    with scripted_http(answer) as (url, _seen):
        with pytest.raises(TransportError) as caught:
            make_client(url=url, ca_path=None, allow_http=True, retries=0).get(INTELS)
    assert f"the answer from {url[7:]} could not be decompressed" in str(caught.value)


@pytest.mark.parametrize(("trickle", "size"), [(1.0, 72), (2.0, 72), (0.005, 4000)])
def test_timeout_bounds_the_whole_answer_not_each_read(make_client, trickle, size):
    # One byte a second; every two (the last read itself must stop when the time is up, not 3 s later); every 5 ms
    # for 20 s (no read ever waits: the time left is looked at between them).
    body = b'{"data": []}' + b" " * (size - 12)
    head = http_answer("200 OK", [JSON, ("Content-Length", str(len(body)))])
    with scripted_http((head, body), trickle=trickle) as (url, seen):
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            make_client(url=url, ca_path=None, allow_http=True, timeout=3, retries=0).get(INTELS)
        elapsed = time.monotonic() - started
    assert str(caught.value).endswith(f"no complete answer from {url[7:]} within 3 seconds (timeout)")
    assert 2.5 < elapsed < 3.8
    assert len(seen) == 1


class DiscardingFile:
    """A file download_to can write to without keeping anything."""

    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)

    def seek(self, position):
        pass

    def truncate(self):
        self.size = 0


def test_a_download_that_streams_fast_for_longer_than_the_timeout_is_stopped_at_the_timeout(make_client):
    # Data is always waiting, so no read ever times out: only the time left, looked at before each read, ends it.
    with raw_server(endless_chunked_answer) as port:
        sink = DiscardingFile()
        with pytest.raises(TransportError) as caught:
            make_client(url=f"http://127.0.0.1:{port}", ca_path=None, allow_http=True, timeout=1,
                        retries=0).download_to("/file", sink, 10 ** 15)
    assert str(caught.value).endswith(f"no complete answer from 127.0.0.1:{port} within 1 seconds (timeout)")
    assert sink.size > 1_000_000


def test_the_time_spent_connecting_counts_against_the_timeout(emulator, make_client):
    # A TLS handshake answered after 2 s, then the answer after 2 s more: 4 s in all against a timeout of 3.
    tls_dir = emulator.ca_file.rsplit("/", 1)[0]
    context = tls_server_context(f"{tls_dir}/server.pem", f"{tls_dir}/server.key")
    answer = http_answer("200 OK", [JSON], b"[]")
    with raw_server(slow_tls_answer(context, answer, before_handshake=2, before_answer=2)) as port:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            make_client(url=f"https://127.0.0.1:{port}", timeout=3, retries=0).get(INTELS)
        elapsed = time.monotonic() - started
    assert "within 3 seconds (timeout)" in str(caught.value)
    assert elapsed < 3.6


@pytest.mark.parametrize("tls", [False, True])
def test_timeout_bounds_an_answer_whose_status_line_and_headers_trickle_in(emulator, make_client, tls):
    # One byte a second from the status line on: urllib3 gives each read of the head the timeout, the watchdog
    # (_api/watchdog.py) the whole head. Without it this request would last the answer's 90-odd seconds.
    answer = http_answer("200 OK", [JSON, ("X-Padding", "x" * 30)], b"[]")
    tls_dir = emulator.ca_file.rsplit("/", 1)[0]
    context = tls_server_context(f"{tls_dir}/server.pem", f"{tls_dir}/server.key") if tls else None
    with raw_server(trickled_answer(context, answer, every=1.0)) as port:
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            make_client(url=url, ca_path=emulator.ca_file if tls else None, allow_http=not tls, timeout=3,
                        retries=0).get(INTELS)
        elapsed = time.monotonic() - started
    assert str(caught.value).endswith(f"no complete answer from 127.0.0.1:{port} within 3 seconds (timeout)")
    assert 2.5 < elapsed < 4.5


def test_timeout_bounds_a_proxy_answer_to_connect_that_trickles_in(make_client, monkeypatch):
    # The proxy's "200 Connection established" one byte every 0.1 s: urllib3 gives each read of it the timeout,
    # so only the watchdog, watching from the connect on, ends it; the whole answer would take 13 s.
    answer = http_answer("200 Connection established", [("X-Padding", "x" * 80)])
    with raw_server(trickled_answer(None, answer, every=0.1)) as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.delenv("no_proxy")
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            make_client(url="https://tanium.example.invalid", ca_path=None, timeout=3, retries=0).get(INTELS)
        elapsed = time.monotonic() - started
    assert str(caught.value).endswith("no complete answer from tanium.example.invalid within 3 seconds (timeout)")
    assert 2.5 < elapsed < 4.5


def test_a_server_that_never_answers_is_given_up_on_after_the_timeout(make_client):
    with raw_server(slow_tls_answer(None, b"", before_handshake=0, before_answer=5)) as port:
        with pytest.raises(TransportError) as caught:
            make_client(url=f"http://127.0.0.1:{port}", ca_path=None, allow_http=True, timeout=1, retries=0).get(INTELS)
    assert str(caught.value).endswith(f"no response from 127.0.0.1:{port} within 1 seconds (timeout)")


def test_a_trickling_answer_within_a_deadline_ends_with_the_deadline(make_client):
    body = b" " * 60
    head = http_answer("200 OK", [JSON, ("Content-Length", str(len(body)))])
    with scripted_http((head, body), trickle=1.0) as (url, seen):
        client = make_client(url=url, ca_path=None, allow_http=True, timeout=30, retries=5)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught, client.within(Deadline(3, "the listing")):
            client.get(INTELS)
        elapsed = time.monotonic() - started
    assert str(caught.value).startswith(f"gave up after 3 seconds waiting for the listing (no complete answer from"
                                        f" {url[7:]} within 3 seconds (timeout)")
    assert elapsed < 5
    assert len(seen) == 1  # no retry sleeps past the deadline


def test_download_to_streams_into_the_file_and_returns_the_headers(make_client):
    body = bytes(range(256)) * 4096  # 1 MiB
    answer = http_answer("200 OK", [("Content-Type", "application/zip"), ("X-Evidence", "e1")], body)
    with scripted_http(answer) as (url, _seen):
        target = io.BytesIO()
        headers = make_client(url=url, ca_path=None, allow_http=True).download_to("/file", target, len(body))
    assert target.getvalue() == body
    assert headers["X-Evidence"] == "e1"


def test_download_to_is_refused_past_max_bytes(make_client):
    body = b"z" * 300_000
    answer = http_answer("200 OK", [("Content-Type", "application/zip"), ("Transfer-Encoding", "chunked")],
                         b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    with scripted_http(answer) as (url, _seen):
        with pytest.raises(TransportError) as caught:
            make_client(url=url, ca_path=None, allow_http=True, retries=0).download_to("/file", io.BytesIO(), 100_000)
    assert "is larger than the limit of 100,000 bytes once decoded" in str(caught.value)


def test_a_download_retried_after_a_cut_starts_its_file_again(make_client):
    body = b"evidence-bytes" * 10_000
    cut = (http_answer("200 OK", [("Content-Type", "application/zip"), ("Content-Length", str(len(body)))]),
           body[:50_000])  # then the server closes
    with scripted_http(cut, http_answer("200 OK", [("Content-Type", "application/zip")], body)) as (url, seen):
        target = io.BytesIO()
        make_client(url=url, ca_path=None, allow_http=True, retries=1).download_to("/file", target, len(body))
    assert target.getvalue() == body  # not the first 50,000 bytes twice
    assert len(seen) == 2
