import re
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from sla.choices import SlaMetric, SlaThreshold

from .choices import OPEN_STATUSES, Channel, EventKind, Impact, LinkKind, Priority, Status, Urgency

REFERENCE_PREFIX = "HD-"
REFERENCE_RE = re.compile(r"^HD-(\d{6,})$", re.IGNORECASE)


# (metric, threshold) → the ticket column holding the instant it is crossed.
THRESHOLD_COLUMNS: dict[tuple[str, str], str] = {
    (SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_1): "first_response_warn1_at",
    (SlaMetric.FIRST_RESPONSE, SlaThreshold.WARNING_2): "first_response_warn2_at",
    (SlaMetric.FIRST_RESPONSE, SlaThreshold.BREACHED): "first_response_due_at",
    (SlaMetric.RESOLUTION, SlaThreshold.WARNING_1): "resolution_warn1_at",
    (SlaMetric.RESOLUTION, SlaThreshold.WARNING_2): "resolution_warn2_at",
    (SlaMetric.RESOLUTION, SlaThreshold.BREACHED): "resolution_due_at",
}
# Every ticket column the SLA schedule fills.
SLA_COLUMNS = [*THRESHOLD_COLUMNS.values(), "sla_due_at", "sla_warn_at"]


def reference_for(pk: int) -> str:
    return f"{REFERENCE_PREFIX}{pk:06d}"


def pk_from_reference(reference: str) -> int | None:
    match = REFERENCE_RE.match(reference.strip())
    return int(match.group(1)) if match else None


class Category(models.Model):
    """What a ticket is about; routes new tickets to a default level and impact."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    default_level = models.PositiveSmallIntegerField(_("default level"), choices=Level.choices, default=Level.I)
    default_impact = models.CharField(_("default impact"), max_length=8, choices=Impact.choices, default=Impact.LOW)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (for the categories the helpdesk starts with)."""
        return gettext(self.name)


# What the reports read of each ticket they count (reports/selectors.py): the columns the
# date-range indexes carry.
REPORT_COLUMNS = [
    "created_at",
    "level",
    "priority",
    "channel",
    "category",
    "assignee",
    "first_response_at",
    "first_response_due_at",
    "resolved_at",
    "resolution_due_at",
]


def _report_columns(key: str) -> list[str]:
    return [column for column in REPORT_COLUMNS if column != key]


class Ticket(models.Model):
    """A request for help; its priority always equals the impact × urgency matrix."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        verbose_name=_("requester"),
        # ticket_requester_idx leads with this column: a second index would only slow writes.
        db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("category")
    )
    impact = models.CharField(_("impact"), max_length=8, choices=Impact.choices, default=Impact.LOW)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P4)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    level = models.PositiveSmallIntegerField(_("support level"), choices=Level.choices, default=Level.I)
    level_entered_at = models.DateTimeField(_("at this level since"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
        # ticket_assignee_idx leads with this column: a second index would only slow writes.
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    # The Message-ID of the mail that opened the ticket: its mail answers that one, so the
    # requester's mail program shows the helpdesk's mail under their own.
    source_message_id = models.CharField(_("Message-ID of the first mail"), max_length=500, blank=True, editable=False)
    resolution = models.TextField(_("resolution summary"), blank=True)
    # One outage, many reports: the ticket that stands for them all. Resolving it resolves
    # its open children (tickets.services.family); never itself, never a cycle.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent ticket"),
        # ticket_parent_idx covers the few tickets that have one.
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # SLA clock, recomputed from the ticket's history on every relevant change: when each
    # threshold falls (NULL while the clock is paused). When the sweep must look next is
    # kept in sla.SlaClock, a narrow row the sweep can update cheaply.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_warn1_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_warn2_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn1_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn2_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The nearest breach still ahead (first response, else resolution): the queue's "time left".
    sla_due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # ...and its first warning: at risk from here until sla_due_at.
    sla_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A duplicate merged into another ticket: closed, its conversation moved to that one.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
        editable=False,
    )
    # Put aside by an agent until then: out of the queue's default views, back by itself
    # (the snooze sweep), or at once when the requester writes.
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True, editable=False)
    # A resolved ticket nobody confirms closes itself then (the auto-close sweep), its
    # requester told at auto_close_notice_at (emptied once told). Both emptied when the
    # ticket is reopened or the requester writes.
    auto_close_at = models.DateTimeField(_("closes itself at"), null=True, blank=True, editable=False)
    auto_close_notice_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        permissions = [
            ("work_ticket", _("Can work tickets at own support levels")),
            ("supervise_ticket", _("Can work tickets at every level and see the dashboard")),
        ]
        indexes = [
            # A parent's children (its page, resolving it): most tickets have no parent.
            models.Index(fields=["parent"], condition=models.Q(parent__isnull=False), name="ticket_parent_idx"),
            # Queue pages: open tickets of one level in each sort order.
            models.Index(
                fields=["level", "priority", "created_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_queue_priority_idx",
            ),
            models.Index(
                fields=["level", "created_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_queue_created_idx",
            ),
            models.Index(
                fields=["level", "updated_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_queue_updated_idx",
            ),
            # The unassigned tab, and unassigned counts per level on the dashboard.
            models.Index(
                fields=["level", "priority", "created_at"],
                condition=models.Q(status__in=OPEN_STATUSES, assignee__isnull=True),
                name="ticket_queue_unassigned_idx",
            ),
            # Oldest open tickets, across levels (dashboard).
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_oldest_idx",
            ),
            # At risk and breached now, per level (dashboard): warned means sla_warn_at <= now.
            models.Index(
                fields=["sla_warn_at", "level", "sla_due_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_sla_risk_idx",
            ),
            # The most urgent of those, across levels.
            models.Index(
                fields=["sla_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_due_idx",
            ),
            # Queue pages sorted by time left.
            models.Index(
                fields=["level", "sla_due_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_queue_due_idx",
            ),
            # Live report figures (open, unassigned, at risk, breached per level and
            # priority) and open tickets per agent, answered from the index alone.
            models.Index(
                fields=["level", "priority"],
                include=["assignee", "sla_warn_at", "sla_due_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_live_idx",
            ),
            # Reports over a date range: tickets created, first answered and resolved in it,
            # with what the reports count and filter them by, so PostgreSQL answers from
            # the index alone instead of fetching each ticket's wide row.
            models.Index(
                fields=["created_at"], include=_report_columns("created_at"), name="ticket_created_report_idx"
            ),
            models.Index(
                fields=["first_response_at"],
                include=_report_columns("first_response_at"),
                condition=models.Q(first_response_at__isnull=False),
                name="ticket_responded_report_idx",
            ),
            models.Index(
                fields=["resolved_at"],
                include=_report_columns("resolved_at"),
                condition=models.Q(resolved_at__isnull=False),
                name="ticket_resolved_report_idx",
            ),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            # The ticket list over every status, newest change first (its default order).
            models.Index(fields=["updated_at", "id"], name="ticket_list_updated_idx"),
            # ... and sorted by resolution, newest (or oldest) first, unresolved last: that
            # index, (resolved_at DESC NULLS LAST, id DESC), is made by migration 0025 on
            # PostgreSQL only, as SQLite cannot put NULLS LAST in an index.
            # The sweeps that wake snoozed tickets and close resolved ones: each reads
            # only the few rows with a time set.
            models.Index(
                fields=["snoozed_until"],
                condition=models.Q(snoozed_until__isnull=False),
                name="ticket_snoozed_idx",
            ),
            models.Index(
                fields=["auto_close_at"],
                condition=models.Q(auto_close_at__isnull=False),
                name="ticket_auto_close_idx",
            ),
            models.Index(
                fields=["auto_close_notice_at"],
                condition=models.Q(auto_close_notice_at__isnull=False),
                name="ticket_auto_close_notice_idx",
            ),
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", kwargs={"reference": self.reference})

    @property
    def reference(self) -> str:
        return reference_for(self.pk) if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_snoozed(self, *, at=None) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > (at or timezone.now())


# A reminder's note: a line, not a letter.
REMINDER_NOTE_MAX = 200


class TicketReminder(models.Model):
    """ "Remind me at …" on a ticket: one agent hears of it then, once, with the note; a
    reminder is due (no sent_at), sent, or cancelled, never two of these."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reminders")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_reminders", verbose_name=_("agent")
    )
    remind_at = models.DateTimeField(_("remind at"))
    note = models.CharField(_("note"), max_length=REMINDER_NOTE_MAX, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["remind_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            models.Index(fields=["ticket", "remind_at"], name="reminder_ticket_idx"),
            # The reminder sweep: only reminders still due.
            models.Index(
                fields=["remind_at"],
                condition=models.Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="reminder_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(cancelled_at__isnull=True),
                name="reminder_sent_or_cancelled",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.agent_id} @ {self.remind_at}"

    @property
    def is_due(self) -> bool:
        return self.sent_at is None and self.cancelled_at is None


class Comment(models.Model):
    """A public reply or an internal note; internal notes are never shown to requesters."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    # How it reached the helpdesk: typed on the page, mailed in, an SMS, a logged call…
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    # The member of staff who wrote down the author's words (a logged call or chat).
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_idx")]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,10}")


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # Stored under a random name of our own, unguessable and never another file's: the
    # name the person gave it (any length, any script) lives in ``original_name`` only.
    # The extension is kept when it is short and plain, for whoever browses the folder.
    extension = PurePosixPath(filename.replace("\\", "/")).suffix.lower().lstrip(".")
    suffix = f".{extension}" if SAFE_EXTENSION.fullmatch(extension) else ""
    return f"{timezone.now():attachments/%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file on a ticket (or on one of its comments), stored through Django's storage API."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(
        _("file name"),
        max_length=255,
        help_text=_("As the person named it; the file is stored under a name of its own."),
    )
    content_type = models.CharField(
        _("content type"), max_length=100, help_text=_("Read from the file's content, not taken from the sender.")
    )
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class AppendOnlyError(Exception):
    pass


class TicketEvent(models.Model):
    """One change to a ticket: who, when, what, from, to and why. Never updated or deleted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    field = models.CharField(_("field"), max_length=40, blank=True)
    from_value = models.CharField(_("from"), max_length=255, blank=True)
    to_value = models.CharField(_("to"), max_length=255, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_idx"),
            models.Index(fields=["kind", "created_at"], name="event_kind_idx"),
        ]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.from_value} → {self.to_value}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ticket events are append-only.")


class TicketChecklistItem(models.Model):
    """One step of a ticket's checklist, in order: open, done (when and by whom) or skipped
    with a reason. A ticket with an open step cannot be resolved."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="checklist_items")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("step"), max_length=500)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    skipped_reason = models.CharField(_("reason for skipping"), max_length=500, blank=True)

    class Meta:
        ordering = ["ticket", "position"]
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "position"], name="checklist_item_position_unique"),
            # Done or skipped, never both.
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True) | models.Q(skipped_reason=""),
                name="checklist_item_done_or_skipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.position} {self.text[:40]}"

    @property
    def is_open(self) -> bool:
        return self.done_at is None and not self.skipped_reason


# The longest one entry may be: a day's work. More is a forgotten timer or a typing slip.
TIME_ENTRY_MAX_MINUTES = 24 * 60


class TimeEntry(models.Model):
    """Time an agent spent on a ticket, in whole minutes: typed with a reply or note, or
    measured by a timer. One table serves both: a running timer is an entry with a start,
    no end and no minutes yet; stopping it gives it its end and minutes, and from then on
    it is an entry like any other. Recorded entries have an end and 1 to
    TIME_ENTRY_MAX_MINUTES minutes; an agent runs at most one timer per ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("agent")
    )
    # The reply or internal note the time was recorded with, if any.
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries")
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    # When a timer was started (empty for time typed in).
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # When the work was recorded: the timer stopped or the time typed in. Empty while running.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["ended_at", "id"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [
            models.Index(fields=["ticket", "ended_at"], name="time_entry_ticket_idx"),
            # Reports over a period: the time recorded in it, answered from the index alone.
            models.Index(
                fields=["ended_at"],
                include=["ticket", "agent", "minutes"],
                condition=models.Q(ended_at__isnull=False),
                name="time_entry_report_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "agent"],
                condition=models.Q(ended_at__isnull=True),
                name="time_entry_one_running_timer",
            ),
            # Running (started, no end, no minutes yet) or recorded (ended, with minutes).
            models.CheckConstraint(
                condition=models.Q(started_at__isnull=False, ended_at__isnull=True, minutes__isnull=True)
                | models.Q(ended_at__isnull=False, minutes__gte=1, minutes__lte=TIME_ENTRY_MAX_MINUTES),
                name="time_entry_running_or_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.agent_id} {self.minutes}"

    @property
    def is_running(self) -> bool:
        return self.ended_at is None


class TicketWatcher(models.Model):
    """Someone who follows a ticket without owning it: a colleague of the requester copied
    in (reads and replies as the requester does, hears of replies and status changes), or
    a member of staff of another level gathering information (reads, replies and writes
    internal notes, but never takes or moves the ticket). One row per ticket and person."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched_tickets", verbose_name=_("watcher")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="ticket_watcher_unique")]
        indexes = [models.Index(fields=["user", "ticket"], name="ticket_watcher_user_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} 👁 {self.user_id}"


class TicketLink(models.Model):
    """One ticket named from another: related to it, a duplicate of it, or caused by it.
    Never a ticket to itself; one row per pair and kind (in that direction)."""

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(condition=~models.Q(from_ticket=models.F("to_ticket")), name="ticket_link_not_self"),
        ]
        indexes = [models.Index(fields=["to_ticket"], name="ticket_link_to_idx")]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} {self.kind} {self.to_ticket_id}"


SAVED_VIEW_NAME_LENGTH = 250
SAVED_VIEW_QUERY_LENGTH = 2000


class SavedView(models.Model):
    """A named set of the ticket list's filters: its owner's own, or shared with every
    member of staff. ``query`` is the list's query string as its filters read it
    (tickets.services.saved_view_save keeps only filters the list knows)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=SAVED_VIEW_NAME_LENGTH)
    query = models.CharField(_("filters"), max_length=SAVED_VIEW_QUERY_LENGTH, blank=True)
    is_shared = models.BooleanField(_("shared with all staff"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["owner", "name"], name="saved_view_owner_idx"),
            models.Index(fields=["name"], condition=models.Q(is_shared=True), name="saved_view_shared_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        url = reverse("tickets:list")
        return f"{url}?{self.query}&view={self.pk}" if self.query else f"{url}?view={self.pk}"
