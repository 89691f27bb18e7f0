"""The HTTP request handler: faults, body limits, auth, dispatch, latency, journal."""

from __future__ import annotations

import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from . import control
from .wire import HttpError, Request, Response, json_response

_UNAUTHORIZED = {"text": "Unauthorized: a valid session or API token is required in the 'session' header"}
_EXPIRED = {"text": "Session expired"}
_MAX_DRAIN = 256 * 1024 * 1024


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACKs
    # add ~40 ms to every response.
    disable_nagle_algorithm = True
    server_version = "ThreatResponseEmulator/1.0"
    sys_version = ""

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass  # the journal is the log

    # --- entry point ---
    def _serve(self) -> None:
        url = urlsplit(self.path)
        if url.path == control.PREFIX or url.path.startswith(control.PREFIX + "/"):
            self._serve_control(url.path)
        else:
            self._serve_api(url.path, parse_qs(url.query, keep_blank_values=True))

    def _serve_control(self, path: str) -> None:
        core = self.server.core
        after = None
        body, _unused, too_large = self._read_body(core.config.max_body)
        try:
            if too_large:
                raise HttpError(413, {"text": "request body too large"})
            response, after = control.handle(core, self.command, path, body, self.server.request_shutdown)
        except HttpError as error:
            response = json_response(error.body, error.status)
        self._send(response)
        if after is not None:
            after()

    def _serve_api(self, path: str, query: dict) -> None:
        core = self.server.core
        headers = {name.lower(): _header_text(value) for name, value in self.headers.items()}
        fault = core.faults.take(self.command, path)
        if fault is not None and fault.action == "expire_sessions":
            core.sessions.expire_all()
        entry = {
            "time": time.time(), "method": self.command, "path": path, "query": query,
            "status": None, "fault": fault.action if fault else None,
            "auth": core.sessions.check(headers.get("session")),
            "content_type": headers.get("content-type"),
            "content_disposition": headers.get("content-disposition"),
            "description": headers.get("description"),
            "type": headers.get("type"), "name": headers.get("name"),
            "user_agent": headers.get("user-agent"), "body_size": 0,
            # The platform API pages result_data with this JSON header instead of a query.
            "tanium_options": headers.get("tanium-options"),
        }
        body, entry["body_size"], too_large = self._read_body(core.config.max_body)
        if fault is not None and fault.action == "drop":
            core.journal.record(**entry)
            self._drop()
            return
        if fault is not None and fault.action == "delay":
            time.sleep(fault.delay)
        if too_large:
            response = json_response({"text": f"request body larger than {core.config.max_body} bytes"}, 413)
        elif fault is not None and fault.action == "status":
            response = _fault_response(fault)
        else:
            response = self._dispatch(core, path, query, headers, body, entry["auth"])
        if core.config.latency:
            time.sleep(core.config.latency)
        entry["status"] = response.status
        core.journal.record(**entry)
        if fault is not None and fault.action == "apply_then_drop":
            self._drop()
            return
        self._send(response)

    def _dispatch(self, core, path, query, headers, body, auth) -> Response:
        try:
            route, params = self.server.router.resolve(self.command, path)
            if route.needs_auth and auth not in ("api_token", "session"):
                if auth == "expired":
                    raise HttpError(core.config.expired_status, _EXPIRED)
                raise HttpError(401, _UNAUTHORIZED)
            request = Request(self.command, path, query, headers, body, route.family, params)
            return route.handler(core, request)
        except HttpError as error:
            response = json_response(error.body, error.status)
            response.headers.update(error.headers)
            return response
        except Exception:  # a bug in the emulator: say so loudly, answer like TR would
            traceback.print_exc(file=sys.stderr)
            return json_response({"text": "Internal Server Error"}, 500)

    # --- I/O ---
    def _read_body(self, max_body: int) -> tuple[bytes, int, bool]:
        """(body, declared size, too_large). A body over the limit is read and discarded (so the
        client sees the 413 rather than a reset) unless it is absurdly large; then the
        connection closes."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True  # no client of TR streams; refuse rather than decode
            return b"", 0, True
        try:
            size = max(int(self.headers.get("Content-Length") or 0), 0)
        except ValueError:
            size = 0
        if size <= max_body:
            return (self.rfile.read(size) if size else b""), size, False
        if size <= _MAX_DRAIN:
            remaining = size
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
        else:
            self.close_connection = True
        return b"", size, True

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if response.status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the connection without a response (a proxy timeout or a crashed server)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _fault_response(fault) -> Response:
    body = fault.body if fault.body is not None else {"text": f"injected fault: HTTP {fault.status}"}
    response = json_response(body, fault.status) if not isinstance(body, (str, bytes)) else Response(
        fault.status, body.encode() if isinstance(body, str) else body, "text/plain")
    if fault.retry_after is not None:
        response.headers["Retry-After"] = fault.retry_after
    return response


def _header_text(value: str) -> str:
    # http.server decodes headers as latin-1; clients send UTF-8 file names.
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value
