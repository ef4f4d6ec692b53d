"""gunicorn settings of the web server in production (the Dockerfile and docker-compose.yml)
and in bench/api.py. Flags on the command line and GUNICORN_CMD_ARGS override them.

- ``WEB_CONCURRENCY`` worker processes (default: one per CPU this process may run on): the
  GIL lets a process use one core.
- ``GUNICORN_THREADS`` threads each (default 4), to keep each core busy while a request
  waits on PostgreSQL or Redis; threads also keep connections alive.
- Each worker holds at most two connections more than it has threads. Without that bound
  one worker can take every kept-alive connection while another sits idle (a worker
  accepts whenever it gets the CPU, however busy its threads are): with 8 clients on 2
  workers, creating tickets ran at 160 req/s when one worker held all 8 and at about 390
  when they were shared 4 and 4. Past the bound a worker stops accepting and closes
  connections beyond the two it may keep alive, so clients spread over the workers.
"""

import os


def _cpus() -> int:
    """The CPUs this process may run on (all of them where the system cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY") or _cpus())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
worker_connections = threads + 2
# Heartbeat files in memory, so a slow disk cannot stall the workers.
worker_tmp_dir = "/dev/shm"  # noqa: S108
