"""What bench/scale_out.py measures at each step and how it judges it: the CPU time of every
part of the set-up (the servers or workers, the proxy or the relay, PostgreSQL's backends
sampled while they run, wrk, Redis) and of the whole machine; a step's rate over its rounds;
the table of where the cores went; and the one-line verdict of a section (did adding
processes help, and what bounds it)."""

import dataclasses
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.support import machine
from bench.support.machine import machine_busy_seconds, process_cpu_seconds, tree_cpu

# The bench's own connections to PostgreSQL carry this name, so the meter leaves them out.
APPLICATION_NAME = "bench/scale_out.py"
# How often the PostgreSQL backends' CPU time is read while a measurement runs.
SAMPLE_SECONDS = 0.25
CORES = os.cpu_count() or 1
# Less than this factor between the first and the last step is within a shared machine's noise.
HELPED = 1.15
# A share of the cores (or of one core, for a single process) past this is taken as all of it.
SATURATED = 0.85


@dataclass
class Cpu(machine.Cpu):
    """The web bench's CPU seconds (server, PostgreSQL, wrk, Redis) with the proxy and the
    relay beside them; the server is gunicorn or the Celery workers. Not part of the total:
    ``machine``, how long the machine's cores were busy meanwhile, whoever used them, and
    ``wall``, the seconds the measurement lasted."""

    proxy: float = 0.0
    relay: float = 0.0
    machine: float = 0.0
    wall: float = 0.0

    @property
    def total(self) -> float:
        return super().total + self.proxy + self.relay

    def __add__(self, other: "Cpu") -> "Cpu":
        return Cpu(**{name: value + getattr(other, name) for name, value in dataclasses.asdict(self).items()})


class Backends(threading.Thread):
    """The CPU time of the PostgreSQL backends serving the bench database (but the bench's
    own, whose connections carry its application name), read every ``SAMPLE_SECONDS`` and
    kept after a backend exits. A Celery pool process opens a new connection every
    CELERY_DB_REUSE_MAX tasks, gunicorn's threads after DB_CONN_MAX_AGE seconds: read only
    at the start and the end of a measurement, a backend that exited in between would take
    its CPU with it."""

    def __init__(self) -> None:
        super().__init__(name="backends", daemon=True)
        self._seen: dict[tuple[int, object], float] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def read(self) -> dict[tuple[int, object], float]:
        """CPU seconds so far of every backend seen, by pid and start time (a pid is reused)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND application_name <> %s",
                [APPLICATION_NAME],
            )
            backends = cursor.fetchall()
        readings = {(pid, started): process_cpu_seconds(pid) for pid, started in backends}
        with self._lock:
            # A backend that exited reads 0: its last reading stands.
            self._seen.update((backend, seconds) for backend, seconds in readings.items() if seconds)
            return dict(self._seen)

    def run(self) -> None:
        from django.db import connection

        try:
            while not self._stopping.wait(SAMPLE_SECONDS):
                self.read()
        finally:
            connection.close()

    def close(self) -> None:
        self._stopping.set()
        self.join()


class Meter(machine.CpuMeter):
    """The web bench's meter over several process trees: the gunicorn servers or the Celery
    workers, and the proxy or the relay in front of them; PostgreSQL's backends as
    ``Backends`` reads them."""

    def __init__(
        self,
        *,
        broker_url: str,
        backends: Backends,
        servers: list[int],
        proxy: Sequence[int] = (),
        relay: Sequence[int] = (),
    ) -> None:
        super().__init__(servers[0], broker_url)
        self.backends = backends
        self.servers, self.proxy, self.relay = servers, list(proxy), list(relay)

    def snapshot(self) -> dict:
        shot = super().snapshot()
        shot.update(
            database=self.backends.read(),
            server=tree_cpu(self.servers),
            proxy=tree_cpu(self.proxy),
            relay=tree_cpu(self.relay),
            machine=machine_busy_seconds(),
            wall=time.monotonic(),
        )
        return shot

    def used(self, before: dict, after: dict) -> Cpu:
        def grown(part: str) -> float:
            return sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())

        common = machine.CpuMeter.used(before, after)
        return Cpu(
            **dataclasses.asdict(common),
            proxy=grown("proxy"),
            relay=grown("relay"),
            machine=after["machine"] - before["machine"],
            wall=after["wall"] - before["wall"],
        )


@dataclass
class Measured:
    """What one step did over all its rounds: the rate of each round, the CPU it took."""

    label: str
    processes: int
    rates: list[float] = field(default_factory=list)
    units: int = 0
    cpu: Cpu = field(default_factory=Cpu)

    def add(self, *, rate: float, units: int, cpu: Cpu) -> None:
        self.rates.append(rate)
        self.units += units
        self.cpu = self.cpu + cpu

    @property
    def rate(self) -> float:
        """The median round's rate (the lower middle one of an even count, as bench/api.py)."""
        return sorted(self.rates)[(len(self.rates) - 1) // 2]

    def cpu_ms(self, part: str = "total") -> float:
        return getattr(self.cpu, part) * 1000 / self.units if self.units else 0.0

    def share(self, part: str = "total") -> float:
        """The share of the machine's cores ``part`` used while the step ran."""
        return getattr(self.cpu, part) / (self.cpu.wall * CORES) if self.cpu.wall else 0.0

    @property
    def ceiling(self) -> float:
        """The rate the cores could serve at this step's whole CPU cost."""
        return CORES * 1000 / self.cpu_ms() if self.cpu_ms() else 0.0

    @property
    def database_ceiling(self) -> float:
        """The rate at which PostgreSQL alone would take every core, at its cost here."""
        return CORES * 1000 / self.cpu_ms("database") if self.cpu_ms("database") else 0.0


def cpu_table(measured: list[Measured], *, unit: str, parts: list[tuple[str, str]]) -> None:
    names = "".join(f" {name:>8}" for name, _part in parts)
    header = (
        f"{'step':<18}{names} {'all':>6} {'ceiling':>8}   {'cores busy: pg':>14} {'measured':>8} {'machine':>7} "
        f"{'pg ceiling':>10}"
    )
    print(f"Where the cores went: CPU ms a {unit}, and the share of the cores used")
    print(header)
    print("-" * len(header))
    for result in measured:
        figures = "".join(f" {result.cpu_ms(part):>8.2f}" for _name, part in parts)
        print(
            f"{result.label:<18}{figures} {result.cpu_ms():>6.2f} {result.ceiling:>8.0f}   "
            f"{result.share('database'):>14.0%} {result.share():>8.0%} {result.share('machine'):>7.0%} "
            f"{result.database_ceiling:>10.0f}"
        )
    print(
        f"(CPU over all rounds of a step, per {unit}; ceiling: the {unit}s a second {CORES} cores could serve at "
        f"that whole cost; cores busy: the share of the {CORES} cores PostgreSQL's backends, everything measured "
        f"and the whole machine, others' work included, used while the step ran; pg ceiling: the {unit}s a second "
        "at which PostgreSQL alone would take every core.)"
    )
    print()


def bound(result: Measured, parts: dict[str, str]) -> tuple[str, str]:
    """What limits a step, from where its CPU went: ("relay" | "database" | "cores" | "waits", a phrase)."""
    others = result.share("machine") - result.share()
    spread = ", ".join(
        f"{name} {result.share(part):.0%}"
        for part, name in sorted(parts.items(), key=lambda item: result.share(item[0]), reverse=True)
        if result.share(part) >= 0.005
    )
    if others >= 0.005:
        spread += f", others {others:.0%}"
    busy = f"{result.share('machine'):.0%} busy: {spread}"
    if "relay" in parts and result.share("relay") * CORES >= SATURATED:
        # The relay is one process: one core is all it can use.
        return "relay", f"the relay, one process at {result.share('relay') * CORES:.0%} of a core (the cores {busy})"
    if result.share("machine") >= SATURATED:
        if max(parts, key=result.share) == "database":
            return "database", f"PostgreSQL, the largest share of cores that are all busy ({busy})"
        return "cores", f"the cores ({busy})"
    waits = "between the processes" + (", and for cores others' work held" if others >= 0.1 else "")
    return "waits", f"neither the cores ({busy}) nor PostgreSQL: the time goes in waits {waits}"


def verdict(section: str, plural: str, each: str, unit: str, measured: list[Measured], *, parts: dict[str, str]) -> str:
    """One line: did adding processes help, what bounds the last step, and where PostgreSQL would."""
    first, last = measured[0], measured[-1]
    gain = last.rate / first.rate if first.rate else 0.0
    served = f"{last.processes} served {gain:.2f}x the {unit} of {first.processes}"
    if len(measured) < 2:
        helped = f"one step only ({first.processes})"
    elif gain >= HELPED:
        helped = f"adding {plural} helped ({served})"
        others = last.share("machine") - last.share()
        if others >= 0.1 and last.share() >= first.share() * HELPED:
            # More runnable processes get more of a machine others are busy on, not more of the machine.
            helped += (
                f", but by taking cores from others' work: the bench used {first.share():.0%} of the cores, "
                f"then {last.share():.0%}, beside others' {others:.0%}"
            )
    elif gain > 1 / HELPED:
        helped = f"adding {plural} did not help ({served})"
    else:
        helped = f"adding {plural} cost throughput ({served})"
    kind, limit = bound(last, parts)
    if kind in ("cores", "database"):
        limit += (
            f"; at {last.cpu_ms():.2f} ms of CPU a {each} they serve at most "
            f"{last.ceiling:,.0f} {unit}, however many processes share them"
        )
    return (
        f"{section}: {helped}. The bound at {last.processes} is {limit}. PostgreSQL took "
        f"{last.share('database'):.0%} of the cores: alone it would take them all at about "
        f"{last.database_ceiling:,.0f} {unit} ({last.database_ceiling / last.rate:.1f}x the rate measured)."
    )
