"""The parts of the benchmarks, each module named by its topic. Shared by several benches:

- ``database``: the bench's own PostgreSQL database, created, set up and migrated;
- ``machine``: the load average, CPU time from /proc, and the CPU meter of a web bench;
- ``web_server``: gunicorn started, waited for and stopped as production runs it;
- ``wrk``: load from wrk and its statistics;
- ``api_tickets``: the tickets and tokens an API bench creates, and clearing up after it;
- ``celery_worker``: Celery workers started, paused, resumed and timed draining a queue;
- ``outbox``: the outbox rows a delivery bench drains and the messages they must become;
- ``reports_dataset``: the 1,000,000-ticket dataset of bench/reports.py, which bench/api.py reuses;
- ``due_time_cases``: the inputs of the due-time benches and the timing of one call.

The larger parts of one bench: ``sla_dataset`` (bench/sla_sweep.py's dataset),
``api_profile`` (bench/api.py's in-process profile), and ``scale_out_figures``,
``scale_out_web`` and ``scale_out_workers`` (bench/scale_out.py's figures and its two
sections). The fake outside services (an SMTP relay, an SMS gateway) are the tests' own, in
``tests.fakes``.
"""
