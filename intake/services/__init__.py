"""Every write of the inbound channels."""

from .email import inbound_email_process
from .receive import inbound_email_record, message_id_of

__all__ = ["inbound_email_process", "inbound_email_record", "message_id_of"]
