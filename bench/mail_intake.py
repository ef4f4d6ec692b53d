"""Mail ingested per second from a real IMAP server (Dovecot) into tickets and comments, next
to the web form's ticket-create rate, measured in the same run.

Run from the project root: ``.venv/bin/python bench/mail_intake.py [--count N] [--rounds R]``.
It needs Debian's Dovecot (``make system`` installs ``dovecot-imapd``) and uses its own
PostgreSQL database (``BENCH_MAIL_DATABASE_URL``, created and migrated when needed).

A throw-away Dovecot (tests/intake/imap_server.py: IMAPS with its own certificate) holds one
mailbox. Each round:

- puts ``--count`` mails into it (not timed): half of them new requests from known
  requesters, half replies by their requesters to tickets filed before, carrying the ticket's subject tag
  (``[HD-000123]``) and its thread root in ``In-Reply-To``, as a mail client writes them;
- times one ``mailbox_fetch`` pass, as the worker's task runs it: each mail fetched with
  ``BODY.PEEK[]``, recorded, processed (a ticket or a comment, or whatever the processing
  decides) and deleted, each only after the one before has committed;
- times ``--count`` posts of the web form (``/tickets/new/``) by the same requesters, in
  process through Django's test client (no HTTP server: the figure is the view, its form
  and ``ticket_create``).

Prints, as the median over the rounds, mails per second and CPU milliseconds per mail (this
process, its PostgreSQL backend and Dovecot), the same for the web form, and how the mails
were processed (in this run). The per-sender limit of new tickets by mail is lifted: twenty
requesters sending the whole load are not a runaway sender. DEBUG is off. Exits 1 when a mail is not recorded, recorded twice, still in
the mailbox, or left unprocessed.
"""

import argparse
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.support.database import django_on_bench_database  # noqa: E402
from bench.support.machine import load, process_cpu_seconds, tree_cpu  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_mail"
REQUESTERS = 20


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="mails (and web tickets) per round")
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def cpu_now(dovecot_pid: int | None) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    dovecot = sum(tree_cpu([dovecot_pid]).values()) if dovecot_pid else 0.0
    return time.process_time() + process_cpu_seconds(backend) + dovecot


def main() -> int:
    options = arguments()
    django_on_bench_database("BENCH_MAIL_DATABASE_URL", DEFAULT_DATABASE_URL)

    from django.conf import settings
    from django.test import Client

    from accounts.choices import Role
    from accounts.services import user_set_role
    from intake.choices import InboundStatus, MailboxSecurity
    from intake.models import InboundMessage, Mailbox
    from intake.services import mailbox_fetch, mailbox_password_set
    from tests.intake.imap_server import ImapServer
    from tickets.models import Ticket
    from tickets.threading import ticket_subject_tag, ticket_thread_id

    settings.DEBUG = False
    server = ImapServer().start()
    try:
        settings.HELPDESK_MAILBOX_CA_FILE = server.ca_file
        settings.HELPDESK_MAILBOX_AFTER = "delete"
        # The per-sender limit guards against a runaway sender; 20 requesters sending the
        # whole load is not one, and the figure is the throughput of the processing.
        settings.HELPDESK_INBOUND_SENDER_LIMIT = 10**9
        user = server.add_user(f"bench-{uuid.uuid4().hex[:8]}")
        mailbox = Mailbox(
            name=f"Bench {user}", host=server.host, port=server.imaps_port, security=MailboxSecurity.SSL, username=user
        )
        mailbox_password_set(mailbox=mailbox, password="mailbox-pw-1")
        mailbox.save()
        from django.contrib.auth import get_user_model

        people = []
        for number in range(REQUESTERS):
            person, _created = get_user_model().objects.get_or_create(
                username=f"bench-mail-{number}", defaults={"email": f"bench-mail-{number}@example.com"}
            )
            user_set_role(user=person, role=Role.REQUESTER)
            people.append(person)
        dovecot_pid = server._process.pid if server._process else None

        mail_rates, mail_cpu, web_rates, web_cpu = [], [], [], []
        outcome: Counter = Counter()
        failed = False
        for round_number in range(options.rounds):
            earlier = list(
                Ticket.objects.filter(requester__in=people, status__in=["new", "open", "pending"])
                .select_related("requester")
                .order_by("-id")[: options.count // 2]
            )
            raws = []
            for index in range(options.count):
                reply_to = earlier[index // 2] if index % 2 and earlier else None
                # A reply comes from the ticket's requester, a new request from any of them.
                sender = reply_to.requester.email if reply_to is not None else people[index % len(people)].email
                raws.append(mail_for(sender, reply_to, ticket_subject_tag, ticket_thread_id, round_number, index))
            connection = server.client(user)
            for raw in raws:
                connection.append("INBOX", None, None, raw)
            connection.logout()
            before_rows = InboundMessage.objects.count()

            started, cpu_started = time.perf_counter(), cpu_now(dovecot_pid)
            summary = mailbox_fetch(mailbox_id=mailbox.pk)
            elapsed, cpu = time.perf_counter() - started, cpu_now(dovecot_pid) - cpu_started

            recorded = InboundMessage.objects.count() - before_rows
            left = len(server.messages(user))
            unprocessed = InboundMessage.objects.filter(status=InboundStatus.RECEIVED).count()
            if summary.error or recorded != options.count or left or unprocessed:
                print(
                    f"round {round_number + 1}: {recorded} of {options.count} recorded, {left} left in the mailbox, "
                    f"{unprocessed} unprocessed, error: {summary.error or '-'}"
                )
                failed = True
            outcome.update(summary.statuses)
            mail_rates.append(options.count / elapsed)
            mail_cpu.append(cpu * 1000 / options.count)

            clients = []
            for person in people:  # signed in beforehand, as a person filing tickets is
                clients.append(Client(SERVER_NAME="127.0.0.1"))
                clients[-1].force_login(person)
            started, cpu_started = time.perf_counter(), cpu_now(None)
            for index in range(options.count):
                client = clients[index % len(clients)]
                response = client.post(
                    "/tickets/new/",
                    {
                        "subject": f"Web ticket {round_number}-{index}",
                        "category": "",
                        "impact": "low",
                        "urgency": "medium",
                        "description": "The printer on floor 3 jams on every second page.",
                    },
                )
                if response.status_code != 302:
                    print(f"the web form answered {response.status_code}")
                    failed = True
                    break
            elapsed, cpu = time.perf_counter() - started, cpu_now(None) - cpu_started
            web_rates.append(options.count / elapsed)
            web_cpu.append(cpu * 1000 / options.count)
            print(
                f"round {round_number + 1}: mail {mail_rates[-1]:.1f}/s ({mail_cpu[-1]:.1f} CPU ms each), "
                f"web form {web_rates[-1]:.1f}/s ({web_cpu[-1]:.1f} CPU ms each)"
            )

        print()
        print(f"Mail intake, {options.count} mails a round, median of {options.rounds} (load {load()}):")
        print(
            f"  IMAP → recorded and processed: {statistics.median(mail_rates):7.1f} mails/s, "
            f"{statistics.median(mail_cpu):6.1f} CPU ms per mail (helpdesk + PostgreSQL + Dovecot)"
        )
        print(
            f"  web form ticket create:        {statistics.median(web_rates):7.1f} tickets/s, "
            f"{statistics.median(web_cpu):6.1f} CPU ms per ticket (helpdesk + PostgreSQL)"
        )
        print(f"  ratio mail / web:              {statistics.median(mail_rates) / statistics.median(web_rates):7.2f}")
        print("  processed as: " + ", ".join(f"{status} {count}" for status, count in sorted(outcome.items())))
        return 1 if failed else 0
    finally:
        server.stop()


def mail_for(address, ticket, subject_tag, thread_id, round_number, index) -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import formatdate

    message = EmailMessage()
    message["From"] = address
    message["To"] = "helpdesk@example.com"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<bench-{uuid.uuid4().hex}@example.com>"
    if ticket is not None:
        message["Subject"] = f"Re: {subject_tag(ticket)} {ticket.subject}"
        message["In-Reply-To"] = thread_id(ticket)
        message["References"] = thread_id(ticket)
        message.set_content(f"Still happening (round {round_number}, mail {index}).\n\nOn Monday you wrote:\n> Hello\n")
    else:
        message["Subject"] = f"Printer jams, round {round_number} mail {index}"
        message.set_content("The printer on floor 3 jams on every second page.\n")
    return message.as_bytes(policy=SMTP)


if __name__ == "__main__":
    sys.exit(main())
