"""wrk, the HTTP load generator: a Lua script per kind of request, a run from one wrk thread
with the CPU meter around it, and its statistics (``Load``); ``Round``, a timed ticket
creation checked against the tickets really created."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

from bench.support.machine import Cpu, CpuMeter, load

# wrk calls done() once at the end with the merged statistics; latencies are in microseconds.
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: run `make system` (or `apt-get install wrk`) and try again.")
    return path


@dataclass
class Load:
    name: str
    connections: int
    requests: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    load_average: str = ""
    cpu: Cpu = field(default_factory=Cpu)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def cpu_ms(self, part: str = "total") -> float:
        """CPU milliseconds per request (of one part of the set-up, or all of it)."""
        return getattr(self.cpu, part) * 1000 / self.requests if self.requests else 0.0

    @property
    def ceiling(self) -> float:
        """Requests per second the machine's cores could serve at this CPU cost per request."""
        return (os.cpu_count() or 1) * 1000 / self.cpu_ms() if self.requests else 0.0


@dataclass
class Round:
    """One timed create measurement and what it really created."""

    load: Load
    created: int
    outbox: int

    @property
    def real(self) -> bool:
        # wrk counts the answers it read; requests still in flight when it stopped may
        # have created a ticket too, at most one per connection.
        return self.load.requests <= self.created <= self.load.requests + self.load.connections


def lua_script(directory: str, *, key: str, method: str = "GET", body: dict | None = None) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {key}"']
    if body is not None:
        lines += [
            'wrk.headers["Content-Type"] = "application/json"',
            f"wrk.body = {json.dumps(json.dumps(body))}",
        ]
    handle, path = tempfile.mkstemp(suffix=".lua", dir=directory)
    with os.fdopen(handle, "w") as script:
        script.write("\n".join(lines) + "\n" + WRK_REPORT)
    return path


def wrk(name: str, url: str, script: str, *, connections: int, seconds: int, meter: CpuMeter) -> Load:
    """Drive ``url`` for ``seconds`` with ``connections`` open connections from one wrk thread
    (one core's worth of client leaves the other to the server and PostgreSQL)."""
    command = [
        wrk_path(),
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        script,
        url,
    ]
    before = meter.snapshot()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    cpu = meter.used(before, meter.snapshot())
    match = re.search(r"^WRK_RESULT (\{.*\})$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    result = json.loads(match.group(1))
    return Load(
        name=name,
        connections=connections,
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        errors={kind: result[kind] for kind in ("connect", "read", "write", "status", "timeout") if result[kind]},
        p50_ms=result["p50_us"] / 1000,
        p90_ms=result["p90_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        max_ms=result["max_us"] / 1000,
        load_average=load(),
        cpu=cpu,
    )


# --- in-process profile --------------------------------------------------------------

# Where a request's time goes: the functions that own each phase, timed inclusively (a
