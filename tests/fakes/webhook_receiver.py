"""A webhook receiver: a real ThreadingHTTPServer on 127.0.0.1 that checks each request's
signature the way a careful receiver would and counts deliveries by their delivery id."""

import hashlib
import hmac
import json
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


class WebhookReceiver:
    def __init__(self, *, secret: str, answer: int = 204) -> None:
        self.secret = secret
        self.answer = answer
        self._lock = threading.Lock()
        self._received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver._take(self.headers, body)
                self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/helpdesk"

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
        )
        with self._lock:
            self._received.append(record)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def deliveries(self) -> Counter:
        return Counter(record.delivery for record in self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=STOP_TIMEOUT)
