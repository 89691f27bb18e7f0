"""EmulatorServer: the HTTPS server around EmulatorCore, and the Python API tests use."""

from __future__ import annotations

import shutil
import socket
import socketserver
import ssl
import tempfile
import threading
from http.server import ThreadingHTTPServer

from .config import EmulatorConfig
from .core import EmulatorCore
from .handler import ApiRequestHandler
from .routes import Router
from .tls import ensure_certificates, server_context

HANDSHAKE_TIMEOUT = 10.0


class _HTTPSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context: ssl.SSLContext, core: EmulatorCore, router: Router,
                 request_shutdown):
        super().__init__(address, ApiRequestHandler)
        # The handshake runs in the connection's own thread (finish_request), so one slow
        # client cannot stall the accept loop.
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.core = core
        self.router = router
        self.request_shutdown = request_shutdown
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def finish_request(self, request, client_address):
        try:
            request.settimeout(HANDSHAKE_TIMEOUT)
            request.do_handshake()
            request.settimeout(None)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        pass  # clients that vanish mid-request are normal under fault injection

    def close_open_connections(self):
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class EmulatorServer:
    def __init__(self, config: EmulatorConfig | None = None):
        self.config = config or EmulatorConfig()
        self.core = EmulatorCore(self.config)
        self._httpd: _HTTPSServer | None = None
        self._thread: threading.Thread | None = None
        self._temp_tls_dir: str | None = None
        self._stop_lock = threading.Lock()
        self.stopped = threading.Event()
        self.ca_file = ""

    # --- lifecycle ---
    def start(self) -> EmulatorServer:
        tls_dir = self.config.tls_dir
        if tls_dir is None:
            tls_dir = self._temp_tls_dir = tempfile.mkdtemp(prefix="tr-emulator-tls-")
        self.ca_file, cert_file, key_file = ensure_certificates(tls_dir)
        self._httpd = _HTTPSServer((self.config.host, self.config.port),
                                   server_context(cert_file, key_file), self.core,
                                   Router(self.config), self._request_shutdown)
        self.core.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="tr-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._stop_lock:
            if self.stopped.is_set():
                return
            if self._httpd is not None:
                self._httpd.shutdown()
                self._httpd.close_open_connections()
                self._httpd.server_close()
            self.core.stop()
            if self._temp_tls_dir:
                shutil.rmtree(self._temp_tls_dir, ignore_errors=True)
            self.stopped.set()

    def __enter__(self) -> EmulatorServer:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _request_shutdown(self) -> None:
        threading.Thread(target=self.stop, name="tr-emulator-shutdown", daemon=True).start()

    # --- connection facts ---
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"https://{self.config.host}:{self.port}"

    @property
    def api_token(self) -> str:
        return self.core.sessions.api_token

    @property
    def username(self) -> str:
        return self.core.sessions.username

    @property
    def password(self) -> str:
        return self.core.sessions.password

    # --- journal and faults ---
    @property
    def journal(self) -> list[dict]:
        return self.core.journal.entries()

    def writes(self) -> list[dict]:
        return self.core.journal.writes()

    def clear_journal(self) -> None:
        self.core.journal.clear()

    def add_fault(self, method="*", path="", action="status", status=503, retry_after=None,
                  times=1, delay=0.0, body=None) -> None:
        self.core.faults.add(method=method, path=path, action=action, status=status,
                             retry_after=retry_after, times=times, delay=delay, body=body)

    def clear_faults(self) -> None:
        self.core.faults.clear()

    def expire_sessions(self) -> None:
        self.core.sessions.expire_all()

    def configure(self, **fields) -> dict:
        return self.core.configure(**fields)

    # --- state ---
    def intels(self) -> list[dict]:
        return sorted(self.core.snapshot_wire()["intels"], key=lambda doc: doc["id"])

    def labels(self) -> list[dict]:
        return self.core.snapshot_wire()["labels"]

    def alerts(self) -> list[dict]:
        return self.core.snapshot_wire()["alerts"]

    def sources(self) -> list[dict]:
        with self.core.store.lock:
            return sorted((dict(source) for source in self.core.store.sources.values()), key=lambda s: s["id"])

    def deploy_status(self) -> dict:
        return self.core.snapshot_wire()["status"]

    def seed_intel(self, content: bytes, filename: str, labels=(), description=None) -> dict:
        return self.core.seed_intel(content, filename, labels=labels, description=description)

    def raise_alert(self, intel_doc_id: int, computer_name: str, alerted_at: str | None = None, **overrides) -> dict:
        """`overrides`: priority, severity, state, ip (EmulatorCore.raise_alert)."""
        return self.core.raise_alert(intel_doc_id, computer_name, alerted_at=alerted_at, **overrides)
