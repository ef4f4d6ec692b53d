"""The embedded broker (`make run`): a worker never takes a message file before it is whole.

kombu's own filesystem transport creates the file under its final name and then writes it;
a worker listing the folder meanwhile reads it empty or cut short, fails to decode it and
stops, and the message is gone. With messages of a few megabytes that happens to nearly
every one of them, which makes the race certain to show rather than rare."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport.virtual.base import Empty

ROOT = Path(__file__).resolve().parent.parent
TRANSPORT = "helpdesk.broker:Transport"
MESSAGES = 12
PADDING = 4_000_000

WRITER = """
import json, sys
from kombu import Connection
transport, options, count, padding = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with Connection("filesystem://localhost//", transport=transport, transport_options=options) as connection:
    channel = connection.default_channel
    for number in range(count):
        channel._put("tasks", {"number": number, "padding": "x" * padding})
"""


def test_a_reader_racing_the_writer_gets_every_message_whole(tmp_path):
    queue, control = tmp_path / "queue", tmp_path / "control"
    queue.mkdir()
    # The control folder too: kombu's default is "control" in the working directory.
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
        "store_processed": False,
    }
    received, errors = [], []
    with Connection("filesystem://localhost//", transport=TRANSPORT, transport_options=options) as connection:
        channel = connection.default_channel
        # Another process writes, as the web server does for the worker.
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, TRANSPORT, json.dumps(options), str(MESSAGES), str(PADDING)], cwd=ROOT
        )
        deadline = time.monotonic() + 60
        try:
            while len(received) + len(errors) < MESSAGES and time.monotonic() < deadline:
                try:
                    message = channel._get("tasks")
                except Empty:
                    continue
                except ValueError as error:  # a message file read before it was whole
                    errors.append(error)
                    continue
                received.append(message["number"])
                assert len(message["padding"]) == PADDING
        finally:
            assert writer.wait(timeout=60) == 0
    assert errors == []
    assert received == list(range(MESSAGES))
    assert list(queue.iterdir()) == []


TRANSPORT_OF_THE_APP = """
from helpdesk.celery import app
with app.connection_for_write() as connection:
    print(type(connection.transport).__module__, type(connection.transport).__name__)
"""


@pytest.mark.parametrize(
    ("broker_url", "transport"),
    [(None, "helpdesk.broker Transport"), ("redis://127.0.0.1:6379/15", "kombu.transport.redis Transport")],
)
def test_the_embedded_broker_and_only_it_writes_this_way(tmp_path, broker_url, transport):
    env = {"PATH": os.environ.get("PATH", ""), "HELPDESK_VAR_DIR": str(tmp_path)}
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    result = subprocess.run(
        [sys.executable, "-c", TRANSPORT_OF_THE_APP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == transport
