"""Small real servers on 127.0.0.1 for what the emulator cannot play: not TLS, cut uploads, closed ports,
gateways (cookies, compression, closed idle connections) and a proxy."""

import gzip
import json
import socket
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def raw_server(handle):
    """A TCP server calling handle(connection) once per connection; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))

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
def plain_http_api(answer, set_cookie=None, compress=False, close_when_idle=False):
    """A plain-HTTP/1.1 server answering every GET with the JSON `answer`; yields (url, requests seen).

    `set_cookie`: sent as Set-Cookie. `compress`: the answer goes gzip-compressed. `close_when_idle`: the
    connection is closed after each answer without saying so, as a server whose idle timeout ran out.
    """
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

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


def connect_proxy(seen):
    """A proxy handler for raw_server: answers CONNECT to a 127.0.0.1 port with a tunnel, recording each
    CONNECT line and its Proxy-Authorization in `seen`."""

    def handle(connection):
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
            host, port = target.rsplit(":", 1)
            if method != "CONNECT" or host != "127.0.0.1":
                connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection((host, int(port))) as upstream:
                connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                threading.Thread(target=_pipe, args=(upstream, connection), daemon=True).start()
                _pipe(connection, upstream)

    return handle


def _pipe(source, destination):
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            destination.sendall(chunk)
        destination.shutdown(socket.SHUT_WR)
    except OSError:
        pass
