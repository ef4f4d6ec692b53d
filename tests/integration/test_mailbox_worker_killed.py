"""A worker killed (SIGKILL) in the middle of reading a mailbox loses no mail and records
none twice: a new worker takes the mailbox over once the dead one's lock lapses, and every
mail ends as exactly one processed message and one ticket, gone from the mailbox."""

import pytest
from django.conf import settings

from intake.choices import InboundStatus
from intake.models import InboundMessage
from tests.factories import make_requester
from tests.intake.conftest import mailbox_on
from tests.intake.mail import mail
from tickets.models import Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MAILS = 60


def test_killing_the_worker_mid_pass_loses_no_mail_and_duplicates_none(own_processes, imap_server):
    support = imap_server.add_user("killed-mid-pass")
    mailbox_on(imap_server, support, name="Support")
    make_requester(email="rina@example.com")
    for number in range(MAILS):
        imap_server.append(support, mail(subject=f"Request {number:02d}", message_id=f"<request-{number}@example.com>"))
    env = own_processes.env(
        HELPDESK_MAILBOX_POLL_SECONDS="1",
        HELPDESK_MAILBOX_TIMEOUT="2",  # the lock outlives a dead holder by 8 s
        HELPDESK_MAILBOX_CA_FILE=imap_server.ca_file,
        HELPDESK_CACHE_URL=settings.CELERY_BROKER_URL,
        HELPDESK_INBOUND_SENDER_LIMIT="1000",
    )
    first = own_processes.worker("first", env=env)
    own_processes.beat(env=env)
    own_processes.wait_for(
        lambda: InboundMessage.objects.count() >= 5, timeout=60, what="the first worker to be part way through"
    )

    own_processes.kill(first)
    killed_at = InboundMessage.objects.count()
    assert killed_at < MAILS, "the worker was killed before it had read every mail"
    own_processes.worker("second", env=env)

    def all_read() -> bool:
        done = InboundMessage.objects.exclude(status=InboundStatus.RECEIVED).count() == MAILS
        return done and imap_server.messages(support) == []

    own_processes.wait_for(all_read, timeout=120, what="the second worker to read the rest")
    subjects = sorted(InboundMessage.objects.values_list("subject", flat=True))
    assert subjects == [f"Request {number:02d}" for number in range(MAILS)], "each mail recorded once"
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {InboundStatus.TICKET}
    assert Ticket.objects.count() == MAILS, "one ticket a mail, none twice"
