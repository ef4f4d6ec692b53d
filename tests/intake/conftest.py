import uuid

import pytest

from intake.choices import MailboxSecurity
from intake.models import Mailbox
from intake.services import mailbox_password_set
from tests.intake.imap_server import PASSWORD, ImapServer


@pytest.fixture
def imap(imap_server, settings):
    """The session's Dovecot, its certificate trusted, mail deleted once processed."""
    settings.HELPDESK_MAILBOX_CA_FILE = imap_server.ca_file
    settings.HELPDESK_MAILBOX_AFTER = "delete"
    settings.HELPDESK_MAILBOX_TIMEOUT = 10.0
    return imap_server


@pytest.fixture
def lonely_imap(settings):
    """A Dovecot of this test alone, for wrong passwords: Dovecot delays the next sign-ins
    from an address that sent one, which would slow every later test on the shared one."""
    server = ImapServer().start()
    settings.HELPDESK_MAILBOX_CA_FILE = server.ca_file
    settings.HELPDESK_MAILBOX_TIMEOUT = 10.0
    yield server
    server.stop()


@pytest.fixture
def mail_user(imap):
    """A mail user of this test alone: its maildir starts empty."""
    return imap.add_user(f"help-{uuid.uuid4().hex[:10]}")


def mailbox_on(imap, user: str, *, security: str = MailboxSecurity.SSL, password: str = PASSWORD, **fields) -> Mailbox:
    port = imap.imaps_port if security == MailboxSecurity.SSL else imap.imap_port
    mailbox = Mailbox(
        name=fields.pop("name", user), host=imap.host, port=port, security=security, username=user, **fields
    )
    mailbox_password_set(mailbox=mailbox, password=password)
    mailbox.save()
    return mailbox


@pytest.fixture
def make_mailbox(imap):
    def make(user: str, **fields) -> Mailbox:
        return mailbox_on(imap, user, **fields)

    return make


@pytest.fixture
def mailbox(mail_user, make_mailbox):
    return make_mailbox(mail_user)
