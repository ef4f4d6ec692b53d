from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from intake.selectors import mailboxes_for_fetch
from intake.services import mailbox_fetch_locked


class Command(BaseCommand):
    help = "Read the active mailboxes (or one, by name) once, and say what came of each."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", metavar="NAME", help="only the mailbox of this name (even if inactive)")

    def handle(self, *args, mailbox=None, **options):
        mailboxes = list(mailboxes_for_fetch(name=mailbox))
        if mailbox and not mailboxes:
            raise CommandError(_("No mailbox is named %(name)s.") % {"name": mailbox})
        if not mailboxes:
            self.stdout.write(_("No active mailbox."))
            return
        failed = False
        for each in mailboxes:
            summary = mailbox_fetch_locked(mailbox_id=each.pk)
            if summary.error:
                failed = True
                self.stderr.write(str(summary))
            else:
                self.stdout.write(str(summary))
        if failed:
            raise CommandError(_("At least one mailbox could not be read."))
