"""Benchmarks. Each ``bench/<name>.py`` is a script run from the project root
(``.venv/bin/python bench/<name>.py``, or all of them with ``make bench``); the parts they
share, and the larger parts of one, are in ``bench.support``."""
