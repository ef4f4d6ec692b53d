"""The machine a bench runs on: its load average, and the CPU time processes and cores have
used, read from /proc; the CPU meter of a web bench (the server's processes, the PostgreSQL
backends serving the bench database, wrk and Redis)."""

import os
from dataclasses import dataclass
from pathlib import Path


def load() -> str:
    """The load average over 1, 5 and 15 minutes, as the benches print it."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def tree_cpu(roots: list[int]) -> dict[int, float]:
    """CPU seconds so far of each process started as ``roots`` and of their children."""
    return {pid: process_cpu_seconds(pid) for root in roots for pid in (root, *child_pids(root))}


def machine_busy_seconds() -> float:
    """CPU seconds all the machine's cores have been busy since boot, whoever used them."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in stat.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@dataclass
class Cpu:
    """CPU seconds used by each part of the set-up during one measurement."""

    server: float = 0.0
    database: float = 0.0
    client: float = 0.0
    broker: float = 0.0

    @property
    def total(self) -> float:
        return self.server + self.database + self.client + self.broker


class CpuMeter:
    """CPU time of the gunicorn processes, of the PostgreSQL backends serving the bench
    database, of wrk and of Redis. On a shared machine this stays meaningful where
    requests per second do not: it says what one request costs, whoever else is busy."""

    def __init__(self, server_pid: int, broker_url: str):
        import redis

        self.server_pid = server_pid
        self.redis = redis.Redis.from_url(broker_url)

    def _backends(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    def snapshot(self) -> dict:
        import resource

        server_pids = [self.server_pid, *child_pids(self.server_pid)]
        redis_cpu = self.redis.info("cpu")
        return {
            "server": {pid: process_cpu_seconds(pid) for pid in server_pids},
            "database": {pid: process_cpu_seconds(pid) for pid in self._backends()},
            "client": resource.getrusage(resource.RUSAGE_CHILDREN),
            "broker": redis_cpu["used_cpu_user"] + redis_cpu["used_cpu_sys"],
        }

    @staticmethod
    def used(before: dict, after: dict) -> Cpu:
        def grown(part: str) -> float:
            return sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())

        client = (after["client"].ru_utime + after["client"].ru_stime) - (
            before["client"].ru_utime + before["client"].ru_stime
        )
        return Cpu(grown("server"), grown("database"), client, after["broker"] - before["broker"])

    def close(self) -> None:
        self.redis.close()
