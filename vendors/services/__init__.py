"""Every change to vendor records and vendor escalations, by topic."""

from .escalations import (
    next_reminder,
    vendor_calendar,
    vendor_due_times,
    vendor_escalation_close,
    vendor_escalation_create,
    vendor_reference_set,
    vendor_resolution_record,
    vendor_response_record,
)
from .records import (
    vendor_contact_delete,
    vendor_contact_save,
    vendor_contract_save,
    vendor_create,
    vendor_update,
)
from .reminders import vendor_reminder_send, vendor_reminders_due, vendor_reminders_send
from .replies import vendor_reply_record

__all__ = [
    "next_reminder",
    "vendor_calendar",
    "vendor_contact_delete",
    "vendor_contact_save",
    "vendor_contract_save",
    "vendor_create",
    "vendor_due_times",
    "vendor_escalation_close",
    "vendor_escalation_create",
    "vendor_reference_set",
    "vendor_reminder_send",
    "vendor_reminders_due",
    "vendor_reminders_send",
    "vendor_reply_record",
    "vendor_resolution_record",
    "vendor_response_record",
    "vendor_update",
]
