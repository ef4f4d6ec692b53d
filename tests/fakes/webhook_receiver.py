"""A webhook receiver: a real ThreadingHTTPServer on 127.0.0.1 (or another loopback
address) that checks each request's signature the way a careful receiver would and counts
deliveries by their delivery id. It answers with the status it is told, and optionally a body and a Location (to redirect);
every request it gets, of any method, is kept with its headers. Given a TLS context, it
speaks https."""

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import STOP_TIMEOUT

MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class Received:
    event: str
    delivery: str
    signature_ok: bool
    payload: dict
    host: str


@dataclass(frozen=True)
class Request:
    method: str
    headers: dict[str, str]


class WebhookReceiver:
    def __init__(
        self,
        *,
        secret: str,
        answer: int = 204,
        answer_body: bytes = b"",
        location: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.secret = secret
        self.answer = answer
        self.answer_body = answer_body
        self.location = location
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._requests: list[Request] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                with receiver._lock:
                    receiver._requests.append(Request(method=self.command, headers=dict(self.headers.items())))
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.command == "POST":
                    receiver._take(self.headers, body)
                self.send_response(receiver.answer)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(receiver.answer_body)))
                self.end_headers()
                self.wfile.write(receiver.answer_body)

            do_POST = do_GET = do_PUT = _answer  # noqa: N815 - the http.server hook names

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self.scheme = "http"
        if tls is not None:  # https: each connection's handshake, with its SNI, is tls's
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self._server.server_address[0]}:{self.port}/hooks/helpdesk"

    def _take(self, headers, body: bytes) -> None:
        timestamp = headers.get("X-Helpdesk-Timestamp", "")
        expected = "v1=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < MAX_AGE_SECONDS
        signature_ok = fresh and hmac.compare_digest(expected, headers.get("X-Helpdesk-Signature", ""))
        record = Received(
            event=headers.get("X-Helpdesk-Event", ""),
            delivery=headers.get("X-Helpdesk-Delivery", ""),
            signature_ok=signature_ok,
            payload=json.loads(body or b"{}"),
            host=headers.get("Host", ""),
        )
        with self._lock:
            self._received.append(record)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    @property
    def requests(self) -> list[Request]:
        """Every request this receiver got, of any method."""
        with self._lock:
            return list(self._requests)

    def deliveries(self) -> Counter:
        return Counter(record.delivery for record in self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=STOP_TIMEOUT)
