import argparse
import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from intake.selectors import mailboxes_for_fetch
from intake.services import MailboxError, mailbox_fetch_locked, mailbox_idle_wait

logger = logging.getLogger("intake.mailboxes")

# RFC 2177: a client renews its IDLE at least every 29 minutes.
IDLE_RENEW_SECONDS = 25 * 60.0


class Command(BaseCommand):
    help = (
        "Read one mailbox as soon as mail arrives (IMAP IDLE) instead of waiting for the next "
        "poll: a pass, then a wait for new mail, and again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", metavar="NAME", required=True, help="the mailbox of this name")
        parser.add_argument("--passes", type=int, default=0, help="stop after this many passes (0: never)")
        parser.add_argument("--idle-seconds", type=float, default=IDLE_RENEW_SECONDS, help=argparse.SUPPRESS)

    def handle(self, *args, mailbox, passes, idle_seconds, **options):
        found = mailboxes_for_fetch(name=mailbox).first()
        if found is None:
            raise CommandError(_("No mailbox is named %(name)s.") % {"name": mailbox})
        pause = threading.Event()
        done = 0
        while True:
            summary = mailbox_fetch_locked(mailbox_id=found.pk)
            (self.stderr if summary.error else self.stdout).write(str(summary))
            done += 1
            if passes and done >= passes:
                return
            try:
                if summary.error:
                    raise MailboxError(summary.error)
                mailbox_idle_wait(mailbox_id=found.pk, timeout=idle_seconds)
            except MailboxError as error:
                logger.warning("Waiting for mail in mailbox %s: %s", found.pk, error)
                # The server is unwell or offers no IDLE: the next pass after a poll's time.
                pause.wait(settings.HELPDESK_MAILBOX_POLL_SECONDS)
