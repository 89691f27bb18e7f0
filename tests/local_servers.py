"""Small real servers on 127.0.0.1 for what the emulator cannot play: not TLS, cut uploads, closed ports,
hostile answers byte for byte, gateways (cookies, compression, closed idle connections) and proxies (HTTP,
HTTPS and SOCKS5)."""

import gzip
import json
import socket
import ssl
import struct
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def raw_server(handle, port=0):
    """A TCP server calling handle(connection) once per connection; yields its port."""
    listener = socket.create_server(("127.0.0.1", port))

    def accept():
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:
                return  # closed at the end of the test
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@contextmanager
def full_listener():
    """A port on 127.0.0.1 whose listener never accepts and whose backlog is full: a connect to it times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    while len(fillers) < 3:
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    try:
        yield port
    finally:
        for sock in fillers + [listener]:
            sock.close()


def tls_server_context(cert_file, key_file):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def counting_tls_handshakes(context, counter):
    """A raw_server handler that counts each TLS handshake it is offered in `counter` (a list) and then closes."""

    def handle(connection):
        counter.append(1)
        try:
            with context.wrap_socket(connection, server_side=True):
                pass
        except OSError:
            pass

    return handle


def slow_tls_answer(context, answer, before_handshake, before_answer):
    """A raw_server handler that waits `before_handshake` seconds, speaks TLS with `context` (None: plain HTTP),
    reads one request, waits `before_answer` seconds and writes `answer`."""

    def handle(connection):
        time.sleep(before_handshake)
        try:
            if context is not None:
                connection = context.wrap_socket(connection, server_side=True)
            with connection:
                if read_request(connection):
                    time.sleep(before_answer)
                    connection.sendall(answer)
        except OSError:
            pass  # the client gave up first

    return handle


def trickled_answer(context, answer, every):
    """A raw_server handler that speaks TLS with `context` (None: plain HTTP), reads one request and writes
    `answer` one byte every `every` seconds, its status line and headers too."""

    def handle(connection):
        try:
            if context is not None:
                connection = context.wrap_socket(connection, server_side=True)
            with connection:
                if read_request(connection):
                    for index in range(len(answer)):
                        connection.sendall(answer[index:index + 1])
                        time.sleep(every)
        except OSError:
            pass  # the client gave up first

    return handle


def endless_chunked_answer(connection, seconds=10):
    """A raw_server handler answering one request with a chunked body sent as fast as the client reads it, for
    `seconds` (or until the client closes)."""
    with connection:
        if not read_request(connection):
            return
        chunk = b"%x\r\n%s\r\n" % (65536, bytes(65536))
        ends = time.monotonic() + seconds
        try:
            connection.sendall(http_answer("200 OK", [("Content-Type", "application/zip"),
                                                      ("Transfer-Encoding", "chunked")]))
            while time.monotonic() < ends:
                connection.sendall(chunk)
        except OSError:
            pass  # the client gave up


def read_request(connection):
    """(request line, headers dict) of one HTTP request, its body read by Content-Length; None when closed."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        head += chunk
    head, _blank_line, rest = head.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
    missing = int(headers.get("content-length", 0)) - len(rest)
    while missing > 0:
        chunk = connection.recv(min(missing, 65536))
        if not chunk:
            break
        missing -= len(chunk)
    return lines[0], headers


@contextmanager
def scripted_http(*answers, trickle=None):
    """A plain-HTTP server answering the n-th request with answers[n] (the last one again after that), written
    byte for byte: raw bytes, or (head, body) with `trickle` seconds between the body's bytes. One request per
    connection, then close. Yields (url, the request lines seen)."""
    seen = []

    def handle(connection):
        with connection:
            request = read_request(connection)
            if request is None:
                return
            seen.append(request[0])
            answer = answers[min(len(seen), len(answers)) - 1]
            head, body = answer if isinstance(answer, tuple) else (answer, b"")
            try:
                connection.sendall(head)
                for index in range(len(body)) if trickle else ():
                    connection.sendall(body[index:index + 1])
                    time.sleep(trickle)
                if not trickle:
                    connection.sendall(body)
            except OSError:
                pass  # the client gave up first

    with raw_server(handle) as port:
        yield f"http://127.0.0.1:{port}", seen


def http_answer(status, headers=(), body=b""):
    """Raw bytes of an HTTP/1.1 answer; `headers` as (name, value) pairs, Content-Length added unless given."""
    names = {name.lower() for name, _value in headers}
    if "content-length" not in names and "transfer-encoding" not in names:
        headers = (*headers, ("Content-Length", str(len(body))))
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def answer_400_in_plain_http(connection):
    """What a plain-HTTP server says to a TLS hello."""
    with connection:
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def tls_cutter(cert_file, key_file, after_bytes):
    """A TLS server that closes the connection after reading `after_bytes` of the request."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)

    def handle(connection):
        try:
            with context.wrap_socket(connection, server_side=True) as tls:
                received = 0
                while received < after_bytes:
                    chunk = tls.recv(65536)
                    if not chunk:
                        return
                    received += len(chunk)
        except OSError:
            pass

    return handle


@contextmanager
def plain_http_api(answer, set_cookie=None, compress=False, close_when_idle=False, connections=None):
    """A plain-HTTP/1.1 server answering every GET with the JSON `answer`; yields (url, requests seen).

    `set_cookie`: sent as Set-Cookie. `compress`: the answer goes gzip-compressed. `close_when_idle`: the
    connection is closed after each answer without saying so, as a server whose idle timeout ran out.
    `connections`: a list that gets each connection's client address as it is accepted.
    """
    seen = []
    connections = [] if connections is None else connections

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            connections.append(self.client_address)

        def do_GET(self):  # noqa: N802 - the name http.server calls
            seen.append({"path": self.path, "session": self.headers.get("session"),
                         "cookie": self.headers.get("Cookie"), "accept_encoding": self.headers.get("Accept-Encoding")})
            body = json.dumps(answer).encode()
            self.send_response(200)
            if set_cookie:
                self.send_header("Set-Cookie", set_cookie)
            if compress:
                body = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = close_when_idle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def connect_proxy(seen, context=None, refuse=None):
    """A proxy handler for raw_server, recording each request line and its Proxy-Authorization in `seen`.

    CONNECT to a 127.0.0.1 port gets a tunnel; a plain-HTTP request in absolute form (`GET http://127.0.0.1:P/x`)
    is passed on to that port as it is. `context`: the proxy speaks TLS itself (an https:// proxy). `refuse`: the
    status line every request gets instead (for example "407 Proxy Authentication Required").
    """

    def handle(connection):
        if context is not None:
            try:
                connection = context.wrap_socket(connection, server_side=True)
            except OSError:
                return
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:])
            seen.append({"request": lines[0], "authorization": headers.get("Proxy-Authorization")})
            method, target, _version = lines[0].split()
            host, port = (target.rsplit(":", 1) if method == "CONNECT" else
                          target.split("/")[2].rsplit(":", 1) if target.startswith("http://") else ("", "0"))
            if refuse or host != "127.0.0.1":
                status = (refuse or "403 Forbidden").encode()
                connection.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            with socket.create_connection((host, int(port))) as upstream:
                if method == "CONNECT":
                    connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:
                    upstream.sendall(head)
                threading.Thread(target=_pipe, args=(upstream, connection), daemon=True).start()
                _pipe(connection, upstream)

    return handle


def socks5_proxy(seen):
    """A SOCKS5 proxy handler for raw_server (no authentication): connects to 127.0.0.1 ports only, recording
    each target as "host:port" in `seen`."""

    def handle(connection):
        with connection:
            greeting = connection.recv(2)
            connection.recv(greeting[1])  # the methods offered
            connection.sendall(b"\x05\x00")  # no authentication
            version, command, _reserved, kind = connection.recv(4)
            if kind == 1:
                host = socket.inet_ntoa(connection.recv(4))
            else:
                host = connection.recv(connection.recv(1)[0]).decode()
            port = struct.unpack("!H", connection.recv(2))[0]
            seen.append(f"{host}:{port}")
            if version != 5 or command != 1 or host not in ("127.0.0.1", "localhost"):
                connection.sendall(b"\x05\x02\x00\x01" + bytes(6))  # connection not allowed
                return
            with socket.create_connection(("127.0.0.1", port)) as upstream:
                connection.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", port))
                threading.Thread(target=_pipe, args=(upstream, connection), daemon=True).start()
                _pipe(connection, upstream)

    return handle


def recording_relay(port, received):
    """A raw_server handler that passes every connection on to `port` on 127.0.0.1, keeping each byte the client
    sent in `received` (a bytearray): what crossed the wire, before any TLS is taken off."""

    def handle(connection):
        with connection, socket.create_connection(("127.0.0.1", port)) as upstream:
            threading.Thread(target=_pipe, args=(upstream, connection), daemon=True).start()
            _pipe(connection, upstream, received)

    return handle


def _pipe(source, destination, record=None):
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            if record is not None:
                record.extend(chunk)
            destination.sendall(chunk)
        destination.shutdown(socket.SHUT_WR)
    except OSError:
        pass
