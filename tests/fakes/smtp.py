"""A fake SMTP relay: a real aiosmtpd server on 127.0.0.1 that records every message it
accepts, can be told to refuse mail (a transient 451 by default), and can be stopped and
started again on the same port, as a relay that goes away and comes back."""

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from . import STOP_TIMEOUT, free_port

TRANSIENT_REFUSAL = "451 4.3.0 Mail server temporarily unavailable, try again later"


@dataclass(frozen=True)
class ReceivedMail:
    message_id: str
    to: tuple[str, ...]
    subject: str


class _Session(SMTP):
    """The server side of one SMTP connection; tells the fake when it opens and closes."""

    def __init__(self, fake: "FakeSmtpServer", *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._fake = fake

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._fake._session_opened(self)

    def connection_lost(self, error) -> None:
        self._fake._session_closed(self)
        super().connection_lost(error)


class _Controller(Controller):
    def __init__(self, fake: "FakeSmtpServer", **kwargs) -> None:
        super().__init__(fake, **kwargs)
        self._fake = fake

    def factory(self) -> SMTP:
        return _Session(self._fake, self.handler, **self.SMTP_kwargs)


class FakeSmtpServer:
    """An SMTP relay on ``127.0.0.1:port`` (a free port unless given) recording each
    accepted message's Message-ID, recipients and subject. Safe to read from any thread."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self._lock = threading.Lock()
        # What the relay took, as it came (recipients, message); read into ReceivedMail only
        # when asked, so that taking a message costs the relay as little as it can.
        self._taken: list[tuple[tuple[str, ...], bytes]] = []
        self._read: list[ReceivedMail] = []
        self._refusal: str | None = None
        self._refused = 0
        self._connections = 0
        self._sessions: set[_Session] = set()
        self._controller: _Controller | None = None

    # --- running

    def start(self) -> None:
        """Listen on the port (again, after ``stop``)."""
        if self._controller is not None:
            return
        controller = _Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening and drop every open connection, as a relay that went away:
        clients then find the port closed and their kept-alive connections cut."""
        controller, self._controller = self._controller, None
        if controller is None:
            return
        asyncio.run_coroutine_threadsafe(self._drop_sessions(), controller.loop).result(STOP_TIMEOUT)
        controller.stop()

    async def _drop_sessions(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            if session.transport is not None:
                session.transport.abort()
        await asyncio.sleep(0)  # let the transports close their sockets

    @property
    def running(self) -> bool:
        return self._controller is not None

    # --- behaviour

    def refuse(self, reply: str = TRANSIENT_REFUSAL) -> None:
        """Answer every message with ``reply`` (an SMTP reply line) instead of taking it."""
        with self._lock:
            self._refusal = reply

    def accept(self) -> None:
        with self._lock:
            self._refusal = None

    # --- what was received

    def _received(self) -> list[ReceivedMail]:
        """Every message taken so far, read (call with the lock held)."""
        for to, content in self._taken[len(self._read) :]:
            # The plain (compat32) parser: quick, and enough for two headers.
            headers = BytesHeaderParser(policy=compat32).parsebytes(content)
            self._read.append(
                ReceivedMail(
                    message_id=str(headers.get("Message-ID", "")),
                    to=to,
                    subject=str(make_header(decode_header(headers.get("Subject", "")))),
                )
            )
        return self._read

    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received())

    def messages(self) -> list[tuple[tuple[str, ...], bytes]]:
        """Every message taken so far, as it came: its recipients and its bytes."""
        with self._lock:
            return list(self._taken)

    def message_ids(self) -> Counter:
        """How many times each Message-ID was received."""
        with self._lock:
            return Counter(mail.message_id for mail in self._received())

    def stats(self) -> dict[str, int]:
        with self._lock:
            ids = Counter(mail.message_id for mail in self._received())
            return {
                "received": len(self._taken),
                "unique": len(ids),
                "duplicated": sum(1 for count in ids.values() if count > 1),
                "refused": self._refused,
                "connections": self._connections,
            }

    @property
    def refused(self) -> int:
        with self._lock:
            return self._refused

    def clear(self) -> None:
        with self._lock:
            self._taken.clear()
            self._read.clear()
            self._refused = 0
            self._connections = 0

    # --- aiosmtpd hooks (run on the server's event loop thread)

    def _session_opened(self, session: _Session) -> None:
        with self._lock:
            self._sessions.add(session)
            self._connections += 1

    def _session_closed(self, session: _Session) -> None:
        with self._lock:
            self._sessions.discard(session)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            if self._refusal is not None:
                self._refused += 1
                return self._refusal
            self._taken.append((tuple(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Message accepted for delivery"
