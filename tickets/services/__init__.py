"""Every change to a ticket, by topic: its life, its conversation, who holds it, its SLA."""

from .batch import NewTicket, tickets_create_batch
from .bulk import BulkAction, BulkOutcome, bulk_action_register, bulk_actions, tickets_bulk_apply
from .categories import category_save
from .checklist import checklist_item_change, checklist_set
from .conversation import attachment_add, comment_add, comment_add_and_change
from .edit import ticket_edit
from .erase import tickets_erase
from .family import (
    TicketOutcome,
    ticket_parent_clear,
    ticket_parent_set,
    ticket_resolve_with_children,
    tickets_resolve_each,
)
from .followup import (
    reminder_cancel,
    reminder_set,
    reminders_send,
    snooze_choice_time,
    ticket_snooze,
    ticket_unsnooze,
    tickets_auto_close,
    tickets_snooze_wake,
)
from .lifecycle import (
    MANUAL_TRANSITIONS,
    route_level,
    ticket_change_status,
    ticket_confirm_resolution,
    ticket_create,
    ticket_reclassify,
    ticket_reopen,
    ticket_resolve,
    ticket_vendor_wait_end,
    ticket_vendor_wait_start,
)
from .links import ticket_link_add, ticket_link_remove
from .merge import ticket_merge
from .notices import ticket_notify
from .ownership import (
    ticket_assign,
    ticket_assign_automatically,
    ticket_deescalate,
    ticket_escalate,
    ticket_escalate_automatically,
    ticket_page_acknowledged,
    ticket_take,
)
from .recompute import RecomputeOutcome, tickets_governed_open, tickets_sla_recompute
from .sla import ticket_sla_refresh, ticket_sla_start
from .time import (
    comment_add_with_time,
    time_entry_delete,
    time_entry_record,
    timer_discard,
    timer_start,
    timer_stop,
)
from .views import list_query_normalised, saved_view_delete, saved_view_may_manage, saved_view_save
from .watchers import is_watcher, ticket_follow, watcher_add, watcher_remove

__all__ = [
    "BulkAction",
    "BulkOutcome",
    "bulk_action_register",
    "bulk_actions",
    "tickets_bulk_apply",
    "list_query_normalised",
    "saved_view_delete",
    "saved_view_may_manage",
    "saved_view_save",
    "MANUAL_TRANSITIONS",
    "NewTicket",
    "TicketOutcome",
    "ticket_parent_clear",
    "ticket_parent_set",
    "ticket_resolve_with_children",
    "tickets_resolve_each",
    "attachment_add",
    "checklist_item_change",
    "checklist_set",
    "comment_add",
    "comment_add_and_change",
    "comment_add_with_time",
    "is_watcher",
    "reminder_cancel",
    "reminder_set",
    "reminders_send",
    "route_level",
    "snooze_choice_time",
    "ticket_snooze",
    "ticket_unsnooze",
    "tickets_auto_close",
    "tickets_snooze_wake",
    "ticket_assign",
    "ticket_assign_automatically",
    "ticket_change_status",
    "ticket_confirm_resolution",
    "ticket_create",
    "ticket_deescalate",
    "ticket_edit",
    "ticket_escalate",
    "ticket_escalate_automatically",
    "ticket_follow",
    "ticket_link_add",
    "ticket_link_remove",
    "ticket_merge",
    "ticket_notify",
    "ticket_page_acknowledged",
    "ticket_reclassify",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_sla_refresh",
    "ticket_sla_start",
    "ticket_take",
    "tickets_create_batch",
    "time_entry_delete",
    "time_entry_record",
    "timer_discard",
    "timer_start",
    "timer_stop",
    "ticket_vendor_wait_end",
    "ticket_vendor_wait_start",
    "tickets_erase",
    "RecomputeOutcome",
    "category_save",
    "tickets_governed_open",
    "tickets_sla_recompute",
    "watcher_add",
    "watcher_remove",
]
