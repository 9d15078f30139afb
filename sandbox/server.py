"""A threaded HTTP/1.1 server on 127.0.0.1 that serves one emulator app, optionally over TLS.

It logs every request under its route name and applies fault injection before the app sees the
request: resets, truncated bodies and delays happen here at the socket; statuses with a body
(429, 5xx, expired session) are rendered by the app so they look like its service. Page tampers
(`faults.PageTamper`) rewrite the body of a successful answer before it is sent.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
import traceback
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from sandbox.faults import Fault, FaultInjector, FaultKind
from sandbox.requestlog import LoggedRequest, RequestLog
from sandbox.web import Headers, Request, Response, Router

MAX_BODY_BYTES = 32 * 1024 * 1024


class EmulatorApp(Protocol):
    service: str  # "salesforce" or "hubspot": prefix of every endpoint name
    router: Router

    def fault_response(self, kind: FaultKind, request: Request) -> Response: ...

    def not_found(self, request: Request) -> Response: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args) -> None:  # silence stderr access logs
        return

    def _dispatch(self) -> None:
        started = time.perf_counter()
        app = self.server.app
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, path, query, Headers(self.headers.items()), body)
        matched = app.router.match(self.command, path)
        endpoint = matched[0].name if matched else f"{app.service}.unknown"
        fault = self.server.faults.decide(endpoint) if matched else None
        if fault is not None and fault.kind is FaultKind.CONNECTION_RESET:
            self._log(endpoint, path, 0, fault, started)
            self._reset()
            return
        if fault is not None and fault.kind is FaultKind.SLOW:
            time.sleep(fault.slow_seconds)
        try:
            response = self._respond(app, request, matched, fault)
            if matched and 200 <= response.status < 300:
                response.body = self.server.faults.rewrite(endpoint, response.body)
        except Exception:  # a bug in the emulator: answer 500 and keep it visible
            self.server.internal_errors.append(traceback.format_exc())
            traceback.print_exc()
            response = Response(500, b'{"error": "sandbox internal error"}')
        # Logged before the response leaves, so a client that has its answer sees the call counted.
        self._log(endpoint, path, response.status, fault, started)
        self._write(response, truncate=fault is not None and fault.kind is FaultKind.TRUNCATED_BODY)

    def _log(self, endpoint: str, path: str, status: int, fault: Fault | None, started: float) -> None:
        self.server.log.record(
            LoggedRequest(
                endpoint,
                self.command,
                path,
                status,
                fault.kind.value if fault else None,
                time.perf_counter() - started,
                started,
            )
        )

    def _respond(self, app: EmulatorApp, request: Request, matched, fault: Fault | None) -> Response:
        if matched is None:
            return app.not_found(request)
        route, params = matched
        if fault is not None and fault.kind not in (FaultKind.SLOW, FaultKind.TRUNCATED_BODY):
            return app.fault_response(fault.kind, request)
        request.params = params
        return route.handler(request)

    def _write(self, response: Response, *, truncate: bool) -> None:
        """Status line, headers and body in one send (no Nagle/delayed-ACK stall between them)."""
        body = response.body
        self.send_response(response.status)
        self.send_header("Date", formatdate(usegmt=True))
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
            body = body[: len(body) // 2]
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def _reset(self) -> None:
        """Close with RST: the client sees 'connection reset by peer' and no response."""
        self.close_connection = True
        sock = self.connection
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # the descriptor closes once rfile/wfile are released, right after this handler

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: EmulatorApp, tls: ssl.SSLContext | None, port: int) -> None:
        self.app = app
        self.tls = tls
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.internal_errors: list[str] = []
        super().__init__(("127.0.0.1", port), _Handler)

    def finish_request(self, request, client_address) -> None:
        # The TLS handshake runs in the worker thread, never blocking the accept loop.
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:
            tls_socket = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        # wrap_socket took over the descriptor: close the TLS socket, socketserver only knows the plain one.
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls_socket.close()


class EmulatorServer:
    """Serves `app` on 127.0.0.1 (port 0 = any free port) in a background thread."""

    def __init__(
        self,
        app: EmulatorApp,
        *,
        tls: ssl.SSLContext | None = None,
        port: int = 0,
        faults: FaultInjector | None = None,
        log: RequestLog | None = None,
    ) -> None:
        self._server = _Server(app, tls, port)
        if faults is not None:
            self._server.faults = faults
        if log is not None:
            self._server.log = log
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self._server.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def faults(self) -> FaultInjector:
        return self._server.faults

    @property
    def log(self) -> RequestLog:
        return self._server.log

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of requests the emulator itself failed on (answered 500)."""
        return self._server.internal_errors

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self._server.app.service}-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
