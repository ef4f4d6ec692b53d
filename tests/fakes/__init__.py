"""Fake outside services: small real servers on 127.0.0.1 that count what they receive.

Tests start them in their own process (a thread each); a benchmark runs them in child
processes (``FakeProcess``) so they do not take CPU from the worker under test. They
import nothing from Django, so a child process starts them quickly.
"""

import multiprocessing
import socket
from collections.abc import Callable
from typing import Any

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(factory: Callable[..., Any], kwargs: dict, connection) -> None:
    fake = factory(**kwargs)
    fake.start()
    connection.send(fake.port)
    try:
        while True:
            request = connection.recv()
            if request is None:
                break
            name, args = request
            try:
                connection.send(("ok", getattr(fake, name)(*args)))
            except Exception as exc:  # handed back to the parent, which raises it
                connection.send(("error", repr(exc)))
    finally:
        fake.stop()


class FakeProcess:
    """A fake server running in a child process, driven through a pipe: ``call("stats")``
    runs ``fake.stats()`` in the child and returns its (picklable) result."""

    def __init__(self, factory: Callable[..., Any], **kwargs: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(factory, kwargs, child_end), name=f"fake-{factory.__name__}", daemon=True
        )
        self.process.start()
        child_end.close()
        try:
            if not self._connection.poll(START_TIMEOUT):
                raise EOFError
            self.port: int = self._connection.recv()
        except EOFError:
            self.process.kill()
            raise RuntimeError(f"{factory.__name__} did not start within {START_TIMEOUT:.0f} s") from None

    def call(self, name: str, *args: Any) -> Any:
        self._connection.send((name, args))
        outcome, value = self._connection.recv()
        if outcome == "error":
            raise RuntimeError(f"fake {name}() failed: {value}")
        return value

    def stop(self) -> None:
        if self.process.is_alive():
            self._connection.send(None)
            self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(STOP_TIMEOUT)
        self._connection.close()
