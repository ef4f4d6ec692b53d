"""Beat and a real worker read the mailboxes of a real IMAP server (Dovecot): every active
mailbox read each poll, its mail recorded, processed and then deleted."""

import pytest
from django.conf import settings

from intake.choices import InboundSource, InboundStatus
from intake.models import InboundMessage, Mailbox
from tests.intake.conftest import mailbox_on
from tests.intake.mail import mail

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_beat_has_a_worker_read_every_active_mailbox_and_let_go_of_its_mail(own_processes, imap_server):
    active = imap_server.add_user("integration-active")
    inactive = imap_server.add_user("integration-inactive")
    mailbox = mailbox_on(imap_server, active, name="Support")
    mailbox_on(imap_server, inactive, name="Old", is_active=False)
    for subject in ("Printer jams", "VPN drops 🙂"):
        imap_server.append(active, mail(subject=subject))
    imap_server.append(inactive, mail(subject="Nobody reads this"))
    env = own_processes.env(
        HELPDESK_MAILBOX_POLL_SECONDS="1",
        HELPDESK_MAILBOX_CA_FILE=imap_server.ca_file,
        HELPDESK_CACHE_URL=settings.CELERY_BROKER_URL,
    )
    own_processes.worker("mail", env=env)
    own_processes.beat(env=env)

    def read_and_let_go():
        done = InboundMessage.objects.exclude(status=InboundStatus.RECEIVED).count() == 2
        return done and imap_server.messages(active) == []

    own_processes.wait_for(read_and_let_go, timeout=60, what="the mailbox's two mails to be processed and deleted")

    messages = InboundMessage.objects.order_by("subject")
    assert [message.subject for message in messages] == ["Printer jams", "VPN drops 🙂"]
    assert all(message.source == InboundSource.IMAP and message.mailbox_id == mailbox.pk for message in messages)
    assert len(imap_server.messages(inactive)) == 1, "an inactive mailbox is not read"
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""
    # Later polls find nothing new and record nothing twice.
    polled = mailbox.last_polled_at
    own_processes.wait_for(
        lambda: Mailbox.objects.get(pk=mailbox.pk).last_polled_at > polled, timeout=30, what="another poll"
    )
    assert InboundMessage.objects.count() == 2
