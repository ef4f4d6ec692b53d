"""Every write of the inbound channels."""

from .email import inbound_email_process
from .mailboxes import (
    FetchSummary,
    MailboxError,
    mailbox_check,
    mailbox_fetch,
    mailbox_fetch_locked,
    mailbox_idle_wait,
    mailbox_password_reencrypt,
    mailbox_password_set,
)
from .receive import inbound_email_record, message_id_of
from .sms import inbound_sms_receive
from .webhooks import inbound_webhook_receive

__all__ = [
    "FetchSummary",
    "MailboxError",
    "inbound_email_process",
    "inbound_email_record",
    "inbound_sms_receive",
    "inbound_webhook_receive",
    "mailbox_check",
    "mailbox_fetch",
    "mailbox_fetch_locked",
    "mailbox_idle_wait",
    "mailbox_password_reencrypt",
    "mailbox_password_set",
    "message_id_of",
]
