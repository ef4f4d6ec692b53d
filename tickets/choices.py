from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending on customer")
    # Escalated to a vendor (vendors app): open, but our clock waits for them.
    PENDING_VENDOR = "vendor", _("Pending on vendor")
    # Waiting on someone outside support who is not the customer or a contracted vendor:
    # another department, a telco, a landlord.
    PENDING_THIRD_PARTY = "thirdparty", _("Pending on third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.PENDING_VENDOR, Status.PENDING_THIRD_PARTY)
# Open but waiting on someone else: each SLA policy says whether its clock pauses meanwhile.
PENDING_STATUSES = (Status.PENDING, Status.PENDING_VENDOR, Status.PENDING_THIRD_PARTY)


class Impact(models.TextChoices):
    LOW = "low", _("Low — one person")
    MEDIUM = "medium", _("Medium — a team or department")
    HIGH = "high", _("High — the whole organisation or a critical service")


class Urgency(models.TextChoices):
    LOW = "low", _("Low — can wait")
    MEDIUM = "medium", _("Medium — work is slowed")
    HIGH = "high", _("High — work has stopped")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 — critical")
    P2 = 2, _("P2 — high")
    P3 = 3, _("P3 — medium")
    P4 = 4, _("P4 — low")


# Impact × urgency → priority, the usual ITIL matrix.
PRIORITY_MATRIX: dict[tuple[str, str], int] = {
    (Impact.HIGH, Urgency.HIGH): Priority.P1,
    (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
    (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
    (Impact.HIGH, Urgency.LOW): Priority.P3,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
    (Impact.LOW, Urgency.HIGH): Priority.P3,
    (Impact.MEDIUM, Urgency.LOW): Priority.P4,
    (Impact.LOW, Urgency.MEDIUM): Priority.P4,
    (Impact.LOW, Urgency.LOW): Priority.P4,
}


def priority_for(*, impact: str, urgency: str) -> int:
    return PRIORITY_MATRIX[(Impact(impact), Urgency(urgency))]


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Chat")
    API = "api", _("API")
    MONITORING = "monitor", _("Monitoring")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    COMMENTED = "commented", _("Replied")
    NOTE_ADDED = "note_added", _("Internal note")
    ASSIGNED = "assigned", _("Assignee changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ESCALATED = "escalated", _("Escalated")
    DE_ESCALATED = "de_escalated", _("Sent back down")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    CATEGORY_CHANGED = "category_changed", _("Category changed")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    PAGE_ACKNOWLEDGED = "page_acknowledged", _("Page acknowledged")
    CHECKLIST_DONE = "checklist_done", _("Checklist step done")
    CHECKLIST_UNDONE = "checklist_undone", _("Checklist step reopened")
    CHECKLIST_SKIPPED = "checklist_skipped", _("Checklist step skipped")
    ASSET_ADDED = "asset_added", _("Device added")
    ASSET_REMOVED = "asset_removed", _("Device removed")
    TIME_RECORDED = "time_recorded", _("Time recorded")
    TIME_REMOVED = "time_removed", _("Time entry removed")
    EDITED = "edited", _("Corrected")
    PARENT_SET = "parent_set", _("Parent ticket set")
    PARENT_CLEARED = "parent_cleared", _("Parent ticket removed")
    PROBLEM_LINKED = "problem_linked", _("Linked to a problem")
    PROBLEM_UNLINKED = "problem_unlinked", _("Unlinked from a problem")
    WATCHER_ADDED = "watcher_added", _("Watcher added")
    WATCHER_REMOVED = "watcher_removed", _("Watcher removed")
    LINK_ADDED = "link_added", _("Link added")
    LINK_REMOVED = "link_removed", _("Link removed")
    MERGED = "merged", _("Merged")
    SNOOZED = "snoozed", _("Snoozed")
    SNOOZE_ENDED = "snooze_ended", _("Back from snooze")
    REMINDER_SET = "reminder_set", _("Reminder set")
    REMINDER_CANCELLED = "reminder_cancelled", _("Reminder cancelled")
    REMINDER_SENT = "reminder_sent", _("Reminder sent")
    AUTO_CLOSE_NOTICE = "auto_close_notice", _("Told it will close itself")
    DUE_RECOMPUTED = "due_recomputed", _("Due times recomputed")


# Events only support staff see: what they say is about the team's own work.
INTERNAL_EVENT_KINDS = (
    EventKind.NOTE_ADDED,
    EventKind.PAGE_ACKNOWLEDGED,
    EventKind.CHECKLIST_DONE,
    EventKind.CHECKLIST_UNDONE,
    EventKind.CHECKLIST_SKIPPED,
    # The time staff spend on a ticket is the team's own measure of its work.
    EventKind.TIME_RECORDED,
    EventKind.TIME_REMOVED,
    # A parent ticket may be another person's: its reference and subject are not theirs to read.
    EventKind.PARENT_SET,
    EventKind.PARENT_CLEARED,
    # Problems are the support team's own investigation; requesters never see them.
    EventKind.PROBLEM_LINKED,
    EventKind.PROBLEM_UNLINKED,
    # A link names another ticket, which the requester may not be allowed to read. (Who
    # follows the ticket and a merge the requester sees: they read the ticket with them.)
    EventKind.LINK_ADDED,
    EventKind.LINK_REMOVED,
    # How staff plan their own work on a ticket: put aside until later, reminded.
    EventKind.SNOOZED,
    EventKind.SNOOZE_ENDED,
    EventKind.REMINDER_SET,
    EventKind.REMINDER_CANCELLED,
    EventKind.REMINDER_SENT,
    EventKind.AUTO_CLOSE_NOTICE,
    # Due times follow the team's own targets, which requesters are not shown.
    EventKind.DUE_RECOMPUTED,
)


class LinkKind(models.TextChoices):
    """How one ticket stands to another, read from the ticket that names it."""

    RELATED = "related", _("Related to")
    DUPLICATE = "duplicate", _("Duplicate of")
    CAUSED_BY = "caused_by", _("Caused by")


# The same link read from the other ticket.
LINK_REVERSE_LABELS = {
    LinkKind.RELATED: _("Related to"),
    LinkKind.DUPLICATE: _("Duplicated by"),
    LinkKind.CAUSED_BY: _("Causes"),
}
# Open tickets by age (the reports' aging table and the ticket list's filter): a name,
# and the age in days from (inclusive) and to (exclusive; None: no upper bound).
AGE_BUCKETS = (("0-1", 0, 1), ("1-3", 1, 3), ("3-7", 3, 7), ("7+", 7, None))


class QueueView(models.TextChoices):
    UNASSIGNED = "unassigned", _("Unassigned")
    MINE = "mine", _("Assigned to me")
    OPEN = "open", _("All open")
    SNOOZED = "snoozed", _("Snoozed")


# Quick choices for how long to snooze a ticket.
class SnoozeChoice(models.TextChoices):
    HOUR = "hour", _("In 1 hour")
    TOMORROW = "tomorrow", _("Tomorrow 08:00")
    NEXT_BUSINESS_MORNING = "business_morning", _("Next business morning")
    NEXT_WEEK = "next_week", _("Next week (Monday 08:00)")
    AT = "at", _("At a date and time")


# The categories a new helpdesk starts with (tickets/migrations/0002): their names are
# shown translated; categories added later are shown as written.
DEFAULT_CATEGORY_NAMES = [
    gettext_noop("Password and account"),
    gettext_noop("Email"),
    gettext_noop("Printer and scanner"),
    gettext_noop("PC and laptop"),
    gettext_noop("Software installation"),
    gettext_noop("Network and Wi-Fi"),
    gettext_noop("Server down"),
    gettext_noop("Server performance"),
    gettext_noop("Backup and restore"),
    gettext_noop("Hosting and control panel"),
    gettext_noop("Critical system failure"),
    gettext_noop("Hardware repair or replacement"),
    gettext_noop("Procurement request"),
]
