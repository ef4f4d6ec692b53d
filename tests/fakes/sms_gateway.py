"""A fake HTTP SMS gateway: a real ThreadingHTTPServer on 127.0.0.1 taking JSON
``{"to": ..., "message": ..., "reference": ...}`` and answering ``{"id": ...}``.

Like real gateways that support idempotency keys, a request repeating an
``Idempotency-Key`` header (or, without one, a ``reference``) it has already taken
answers the original message id and delivers nothing. It records every raw call and every
delivery apart, so a test can show that retries happened and that nothing went out twice.

Behaviour (``behave``): answer everything; fail a fraction of calls with 503 before
looking at them; "time out" a fraction (take and deliver the message, then answer only
after ``slow_seconds``, later than the client waits); or fail every call. Which call fails
is drawn from a seeded random generator.
"""

import json
import random
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import STOP_TIMEOUT

IDEMPOTENCY_HEADER = "Idempotency-Key"
# The body template for notifications.sms.http.SmsBackend that matches this gateway.
BODY_TEMPLATE = '{"to": "{to}", "message": "{body}", "reference": "{reference}"}'


@dataclass(frozen=True)
class Call:
    key: str
    to: str
    outcome: str  # "delivered", "replayed", "failed", "timed_out", "bad_request"


@dataclass(frozen=True)
class Delivery:
    message_id: str
    key: str
    to: str
    body: str


class FakeSmsGateway:
    """The gateway on ``127.0.0.1:port`` (a free port unless given); ``url`` is its send
    endpoint. Safe to drive and read from any thread."""

    def __init__(self, port: int = 0, *, seed: int = 2026, slow_seconds: float = 1.0) -> None:
        self._requested_port = port
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._slow_seconds = slow_seconds
        self._fail = 0.0
        self._time_out = 0.0
        self._always_fail = False
        self._calls: list[Call] = []
        self._deliveries: list[Delivery] = []
        self._ids_by_key: dict[str, str] = {}
        self._connections: set[socket.socket] = set()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/messages"

    # --- running

    def start(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real gateways
            # The answer goes out as headers then body: without this each kept-alive
            # request waits for the client's delayed ACK (about 40 ms).
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                gateway._connection_opened(self.connection)

            def finish(self) -> None:
                gateway._connection_closed(self.connection)
                super().finish()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, answer, delay = gateway._handle(raw, self.headers.get(IDEMPOTENCY_HEADER, ""))
                if delay and gateway._closing.wait(delay):
                    return
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client stopped waiting ("timed out") and went away
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self._closing.clear()
        # Started again after stop, it listens on the same port, as a gateway coming back.
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port or self._requested_port), Handler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-sms-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a gateway that went away."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)

    # --- behaviour

    def behave(self, *, fail: float = 0.0, time_out: float = 0.0, always_fail: bool = False) -> None:
        """Fail ``fail`` of the calls with 503, "time out" ``time_out`` of them, or fail all."""
        if fail < 0 or time_out < 0 or fail + time_out > 1:
            raise ValueError("fail and time_out are fractions adding up to at most 1")
        with self._lock:
            self._fail, self._time_out, self._always_fail = fail, time_out, always_fail

    # --- what happened

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def stats(self) -> dict[str, int]:
        with self._lock:
            outcomes = Counter(call.outcome for call in self._calls)
            per_recipient = Counter((delivery.to, delivery.body) for delivery in self._deliveries)
            return {
                "calls": len(self._calls),
                "deliveries": len(self._deliveries),
                "duplicated": sum(1 for count in per_recipient.values() if count > 1),
                **{outcome: outcomes[outcome] for outcome in ("delivered", "replayed", "failed", "timed_out")},
            }

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._deliveries.clear()
            self._ids_by_key.clear()

    # --- request handling (on the server's threads)

    def _connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _handle(self, raw: bytes, header_key: str) -> tuple[int, dict, float]:
        """Status, JSON answer and how long to wait before answering."""
        try:
            request = json.loads(raw)
            to, body = str(request["to"]), str(request["message"])
        except (ValueError, KeyError, TypeError):
            with self._lock:
                self._calls.append(Call(header_key, "", "bad_request"))
            return 400, {"error": "expected JSON with to and message"}, 0.0
        key = header_key or str(request.get("reference") or "")
        with self._lock:
            draw = self._rng.random()
            if self._always_fail or draw < self._fail:
                self._calls.append(Call(key, to, "failed"))
                return 503, {"error": "upstream carrier unavailable"}, 0.0
            timed_out = draw < self._fail + self._time_out
            message_id = self._ids_by_key.get(key) if key else None
            if message_id is not None:
                outcome = "replayed"
            else:
                message_id = f"gw-{len(self._deliveries) + 1}"
                self._deliveries.append(Delivery(message_id, key, to, body))
                if key:
                    self._ids_by_key[key] = message_id
                outcome = "delivered"
            self._calls.append(Call(key, to, "timed_out" if timed_out else outcome))
        return 200, {"id": message_id}, self._slow_seconds if timed_out else 0.0
