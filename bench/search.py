"""Full-text search at scale: a two-word search's first results page on PostgreSQL, next to
the same search done with ``icontains`` in the same run.

Run from the project root: ``.venv/bin/python bench/search.py [--tickets N] [--comments-per-ticket C]``
(default 1,000,000 tickets and 3 comments each). It uses its own database
(``BENCH_SEARCH_DATABASE_URL``), created and migrated when needed, and seeds it only when it
holds fewer tickets than asked for, so reruns go straight to the measurements. Seeding is
set-based SQL (``INSERT … SELECT generate_series``) in chunks, through the search triggers
as every write goes: subjects, descriptions and comments are drawn from a few hundred
Indonesian and English IT words, common ones more often, as a helpdesk's are.

Measured, as the median of ``--runs`` requests each (after warm-up), server time through
Django's test client signed in as a Level I agent, with DEBUG off:

- ``/search/?q=printer macet``: the search page (ranked, highlighted, first 20 results);
- the same two words with ``icontains``, as the queue's search did it (``subject``
  containing the text), first 20 by last update;
- the same two words with ``icontains`` over what the search page searches (subject,
  description and every reply, each word anywhere), first 20 by last update: the same
  matches without the index (fewer runs: it is slow).

Prints the medians, the queries per page, and the number of matches. Exits 1 when the page
does not answer 200 or finds nothing.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_search"
CHUNK = 100_000
QUERY = "printer macet"
WORDS = (
    "tidak bisa tolong segera bantu cek mohon sudah belum masih sering kadang rusak mati lambat error gagal"
    " jaringan wifi internet koneksi putus email outlook"
    " password lupa akun login vpn server down backup restore laptop komputer monitor layar keyboard"
    " mouse kabel lan switch router access point hotspot proyektor scanner toner kertas tinta aplikasi"
    " install update windows linux office excel word powerpoint teams zoom kamera mikrofon suara"
    " headset baterai charger adaptor listrik ups ruang rapat lantai gedung kantor cabang gudang"
    " keuangan gaji laporan invoice vendor garansi perbaikan penggantian pengadaan lisensi antivirus"
    " virus malware phishing spam blokir akses izin folder share drive file hilang terhapus pulih"
    " database sistem erp crm website hosting domain dns ssl sertifikat kadaluarsa cpanel disk penuh"
    " memori cpu panas kipas bunyi berisik restart reboot hang freeze blue screen driver bios"
    " printing jammed paper broken slow cannot connect network issue request new account reset locked"
    " mailbox full sync calendar meeting room projector display flicker backup failed disk space"
    " shared drive permission denied license expired software install upgrade patch security alert"
    " firewall port blocked latency packet loss outage maintenance schedule replacement warranty"
    " hari ini pagi siang sore malam besok kemarin selalu semua beberapa satu dua tiga user pengguna staf"
    " manajer printer bagian depan kiri kanan atas bawah lama baru kecil besar cepat macet"
).split()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "1000000")))
    parser.add_argument("--comments-per-ticket", type=int, default=3)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "15")))
    parser.add_argument("--slow-runs", type=int, default=3, help="runs of the icontains search over everything")
    parser.add_argument("--warmup", type=int, default=2)
    return parser.parse_args()


def _words_sql(count: int, seed_column: str, salt: int) -> str:
    """``count`` words drawn from WORDS, deterministically from ``seed_column``: the square
    of a uniform draw picks the index, so the first words are common (in most tickets) and
    the last ones specific (each in a few per cent of them, like "printer" and "macet")."""
    picks = [
        f"(ARRAY[{', '.join(repr(word) for word in WORDS)}])"
        f"[1 + floor({len(WORDS)} * power(mod(abs(hashint8({seed_column} * {31 + i} + {salt})), 1000000)"
        f" / 1000000.0, 2))::int]"
        for i in range(count)
    ]
    return " || ' ' || ".join(picks)


def dataset_ensure(*, tickets: int, comments_per_ticket: int) -> None:
    from django.db import connection

    from demo.data import demo_tickets_create, demo_users_ensure
    from tickets.models import Comment, Ticket

    existing = Ticket.objects.count()
    if existing >= tickets:
        print(f"Dataset: {existing:,} tickets, {Comment.objects.count():,} comments (kept).")
        return
    users = demo_users_ensure(password="bench")
    if not existing:
        demo_tickets_create(count=50, users=users)
    template = Ticket.objects.order_by("id").values_list("id", flat=True).first()
    requester_ids = sorted(set(Ticket.objects.values_list("requester_id", flat=True)))
    columns = [
        field.column
        for field in Ticket._meta.concrete_fields
        if field.column not in ("id", "subject", "description", "created_at", "updated_at", "requester_id")
    ]
    started = time.perf_counter()
    done = Ticket.objects.count()
    while done < tickets:
        size = min(CHUNK, tickets - done)
        # Table and column names come from the models, words from WORDS; the rest are parameters.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Ticket._meta.db_table} (subject, description, created_at, updated_at, requester_id,"  # noqa: S608
                f" {', '.join(columns)})"
                f" SELECT initcap({_words_sql(5, 'g', 1)}), {_words_sql(12, 'g', 2)},"
                " now() - mod(g, 400) * interval '1 day', now() - mod(g, 300) * interval '1 day',"
                f" (ARRAY{requester_ids})[1 + mod(g, {len(requester_ids)})], {', '.join('t.' + c for c in columns)}"
                f" FROM {Ticket._meta.db_table} t, generate_series(%s, %s) g WHERE t.id = %s",
                [done + 1, done + size, template],
            )
            cursor.execute(
                f"INSERT INTO {Comment._meta.db_table} (ticket_id, author_id, body, is_internal, channel, created_at,"  # noqa: S608
                " logged_by_id)"
                f" SELECT t.id, t.requester_id, {_words_sql(8, 't.id * 10 + n', 3)}, n = 3, 'web', t.updated_at, NULL"
                f" FROM {Ticket._meta.db_table} t, generate_series(1, %s) n"
                f" WHERE t.id > (SELECT max(id) FROM {Ticket._meta.db_table}) - %s",
                [comments_per_ticket, size],
            )
        done += size
        print(f"  {done:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Ticket._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Comment._meta.db_table}")
    print(f"Dataset: {Ticket.objects.count():,} tickets, {Comment.objects.count():,} comments.")


def timed(fn, *, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> int:
    args = arguments()
    django_on_bench_database("BENCH_SEARCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Exists, OuterRef, Q
    from django.test import Client

    from tickets.models import Comment, Ticket
    from tickets.search import ticket_search

    settings.DEBUG = False
    dataset_ensure(tickets=args.tickets, comments_per_ticket=args.comments_per_ticket)
    agent = get_user_model().objects.get(username="agent1")
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)

    def page():
        response = client.get("/search/", {"q": QUERY})
        if response.status_code != 200 or b"search-results" not in response.content:
            raise SystemExit(f"/search/ answered {response.status_code} without results")

    queries: list[str] = []

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        page()
    search_ms = timed(page, runs=args.runs, warmup=args.warmup)

    def subject_icontains():
        list(Ticket.objects.filter(subject__icontains=QUERY).order_by("-updated_at", "-id").only("subject")[:20])

    subject_ms = timed(subject_icontains, runs=args.runs, warmup=args.warmup)

    def everything_icontains():
        condition = Q()
        for word in QUERY.split():
            replies = Comment.objects.filter(ticket=OuterRef("pk"), body__icontains=word)
            condition &= Q(subject__icontains=word) | Q(description__icontains=word) | Exists(replies)
        list(Ticket.objects.filter(condition).order_by("-updated_at", "-id").only("subject")[:20])

    everything_ms = timed(everything_icontains, runs=args.slow_runs, warmup=1)
    matches = ticket_search(user=agent, query=QUERY).count()
    per_word = {word: ticket_search(user=agent, query=word).count() for word in QUERY.split()}
    print(f"Search for {QUERY!r} over {Ticket.objects.count():,} tickets and {Comment.objects.count():,} comments")
    print(f"  matches (full-text): {matches:,} (each word alone: {per_word})")
    print(f"  /search/ first page (ranked, highlighted): median {search_ms:.1f} ms, {len(queries)} queries")
    print(f"  icontains on the subject (the queue's old search): median {subject_ms:.1f} ms")
    print(f"  icontains on subject, description and replies (same words): median {everything_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
