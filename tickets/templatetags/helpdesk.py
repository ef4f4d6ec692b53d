from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy

from accounts.choices import Level

from ..choices import (
    LINK_REVERSE_LABELS,
    PENDING_STATUSES,
    Channel,
    EventKind,
    Impact,
    LinkKind,
    Priority,
    Status,
    Urgency,
)

register = template.Library()

STATUS_CLASSES = {
    Status.NEW: "text-bg-info",
    Status.OPEN: "text-bg-primary",
    Status.PENDING: "text-bg-warning",
    Status.PENDING_VENDOR: "text-bg-warning",
    Status.PENDING_THIRD_PARTY: "text-bg-warning",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-secondary",
}
FIELD_LABELS = {
    "priority": _lazy("priority"),
    "impact": _lazy("impact"),
    "urgency": _lazy("urgency"),
    "category": _lazy("category"),
}
FIELD_CHOICES = {"status": Status, "level": Level, "priority": Priority, "impact": Impact, "urgency": Urgency}


@register.simple_tag
def priority_badge(value: int):
    label = Priority(value).label
    return format_html('<span class="badge badge-p{} text-white" title="{}">P{}</span>', value, label, value)


@register.simple_tag
def status_badge(value: str):
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_CLASSES.get(value, "text-bg-light"), Status(value).label
    )


@register.simple_tag
def level_label(value: int):
    return Level(value).label


def _display(field: str, value: str, people: dict[str, str]) -> str:
    choices = FIELD_CHOICES.get(field)
    if not value:
        return _("nobody") if field == "assignee" else "—"
    if field in ("assignee", "watcher"):
        return people.get(value, value)
    if choices is not None:
        try:
            return str(choices(int(value) if value.isdigit() else value).label)
        except ValueError:
            return value
    return value


CHANNEL_WORDS = {
    Channel.WEB: gettext_lazy("on the web"),
    Channel.EMAIL: gettext_lazy("by email"),
    Channel.PHONE: gettext_lazy("by phone"),
    Channel.SMS: gettext_lazy("by SMS"),
    Channel.CHAT: gettext_lazy("by chat"),
    Channel.API: gettext_lazy("through the API"),
}


@register.simple_tag
def channel_words(value: str) -> str:
    """How something reached the helpdesk, as the words after a name ("by phone")."""
    return str(CHANNEL_WORDS.get(value, value))


@register.simple_tag
def event_text(event, ticket=None) -> str:
    """One readable line for an audit event, in the reader's language. Assignment events
    store login names; ``event.people`` (from ticket_timeline) maps them to names."""
    people = getattr(event, "people", {})
    old, new = _display(event.field, event.from_value, people), _display(event.field, event.to_value, people)
    if event.kind == EventKind.CREATED:
        if ticket is not None and event.actor_id and event.actor_id != ticket.requester_id:
            return _("filed the ticket for %(requester)s %(channel)s (routed to %(level)s)") % {
                "requester": ticket.requester,
                "channel": channel_words(ticket.channel),
                "level": new,
            }
        return _("filed the ticket (routed to %(level)s)") % {"level": new}
    if event.kind == EventKind.ASSIGNED:
        return _("changed the assignee from %(old)s to %(new)s") % {"old": old, "new": new}
    if event.kind == EventKind.ESCALATED:
        return _("escalated the ticket from %(old)s to %(new)s") % {"old": old, "new": new}
    if event.kind == EventKind.DE_ESCALATED:
        return _("sent the ticket back down from %(old)s to %(new)s") % {"old": old, "new": new}
    if event.kind == EventKind.TIME_RECORDED:
        return _("recorded %(time)s of work") % {"time": minutes_text(event.to_value)}
    if event.kind == EventKind.TIME_REMOVED:
        return _("removed a time entry of %(time)s") % {"time": minutes_text(event.from_value)}
    if event.kind == EventKind.PARENT_SET:
        if event.from_value:
            return _("moved the ticket from under %(old)s to under %(new)s") % {
                "old": event.from_value,
                "new": event.to_value,
            }
        return _("made the ticket part of %(new)s") % {"new": event.to_value}
    if event.kind == EventKind.PARENT_CLEARED:
        return _("took the ticket out from under %(old)s") % {"old": event.from_value}
    if event.kind == EventKind.PROBLEM_LINKED:
        return _("linked the ticket to the problem %(problem)s") % {"problem": event.to_value}
    if event.kind == EventKind.PROBLEM_UNLINKED:
        return _("unlinked the ticket from the problem %(problem)s") % {"problem": event.from_value}
    if event.kind == EventKind.SNOOZED:
        return _("snoozed the ticket until %(time)s") % {"time": _moment_text(event.to_value)}
    if event.kind == EventKind.SNOOZE_ENDED:
        return _("brought the ticket back from snooze")
    if event.kind == EventKind.REMINDER_SET:
        return _("set a reminder for %(time)s") % {"time": _moment_text(event.to_value)}
    if event.kind == EventKind.REMINDER_CANCELLED:
        return _("cancelled the reminder for %(time)s") % {"time": _moment_text(event.from_value)}
    if event.kind == EventKind.REMINDER_SENT:
        return _("reminded %(name)s") % {"name": people.get(event.to_value, event.to_value)}
    if event.kind == EventKind.AUTO_CLOSE_NOTICE:
        return _("told the requester the ticket will close itself")
    if event.kind == EventKind.DUE_RECOMPUTED:
        # The reason names what changed (the policy or calendar), quoted after this line.
        return _("recomputed the due times after a configuration change (next due: %(old)s → %(new)s)") % {
            "old": _moment_text(event.from_value) if event.from_value else "—",
            "new": _moment_text(event.to_value) if event.to_value else "—",
        }
    if event.field == "status":
        return _("changed the status from %(old)s to %(new)s") % {"old": old, "new": new}
    if event.kind == EventKind.NOTE_ADDED:
        return _("added an internal note")
    if event.kind == EventKind.ATTACHMENT_ADDED:
        return _("attached %(name)s") % {"name": new}
    if event.kind == EventKind.CHECKLIST_DONE:
        return _("ticked checklist step %(number)s (%(step)s)") % {"number": event.from_value, "step": event.to_value}
    if event.kind == EventKind.CHECKLIST_UNDONE:
        return _("reopened checklist step %(number)s (%(step)s)") % {"number": event.from_value, "step": event.to_value}
    if event.kind == EventKind.CHECKLIST_SKIPPED:
        return _("skipped checklist step %(number)s (%(step)s)") % {"number": event.from_value, "step": event.to_value}
    if event.kind == EventKind.PAGE_ACKNOWLEDGED:
        return _("acknowledged the page %(channel)s") % {"channel": channel_words(event.to_value)}
    if event.kind == EventKind.ASSET_ADDED:
        return _("added the device %(name)s") % {"name": new}
    if event.kind == EventKind.ASSET_REMOVED:
        return _("removed the device %(name)s") % {"name": old}
    if event.kind == EventKind.EDITED:
        if event.field == "subject":
            return _("corrected the subject from “%(old)s” to “%(new)s”") % {
                "old": event.from_value,
                "new": event.to_value,
            }
        return _("corrected the description")
    if event.kind == EventKind.WATCHER_ADDED:
        if event.actor is not None and event.actor.username == event.to_value:
            return _("started following the ticket")
        return _("copied in %(name)s") % {"name": new}
    if event.kind == EventKind.WATCHER_REMOVED:
        if event.actor is not None and event.actor.username == event.from_value:
            return _("stopped following the ticket")
        return _("took %(name)s off the ticket") % {"name": old}
    if event.kind in (EventKind.LINK_ADDED, EventKind.LINK_REMOVED):
        kind = LinkKind(event.from_value) if event.from_value in LinkKind.values else LinkKind.RELATED
        how = LinkKind(kind).label if event.field == "link" else LINK_REVERSE_LABELS[kind]
        words = {"how": str(how).lower(), "ref": event.to_value}
        if event.kind == EventKind.LINK_ADDED:
            return _("linked the ticket: %(how)s %(ref)s") % words
        return _("removed the link: %(how)s %(ref)s") % words
    if event.kind == EventKind.MERGED:
        if event.field == "merged_into":
            return _("merged this ticket into %(ref)s") % {"ref": event.to_value}
        return _("merged %(ref)s into this ticket") % {"ref": event.from_value}
    if event.field:
        field_label = FIELD_LABELS.get(event.field, event.field)
        return _("changed the %(field)s from %(old)s to %(new)s") % {"field": field_label, "old": old, "new": new}
    return str(EventKind(event.kind).label)


def _moment_text(value: str) -> str:
    """An instant stored as ISO 8601, in the reader's time zone and format."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or "—"
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@register.filter
def minutes_text(value) -> str:
    """Whole minutes as the reader says them: "45 min", "1 h 30 min"."""
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        return "—"
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0) if mapping else 0


@register.filter
def sum_values(values):
    return sum(values)


def _duration_text(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def duration(value) -> str:
    """A timedelta as "2 h 15 min" or "3 d 4 h"; a dash when there is none."""
    if value is None:
        return "—"
    return _duration_text(value.total_seconds())


@register.simple_tag
def sla_badge(ticket, now=None):
    """Time left to the nearest breach: green, amber once warned, red when breached;
    grey while the clock is paused. static/js/countdown.js keeps the text current."""
    now = now or timezone.now()
    due = ticket.sla_due_at
    if due is None:
        if ticket.status in PENDING_STATUSES:
            return format_html('<span class="badge text-bg-secondary">{}</span>', _("Paused"))
        return ""
    warn_at = ticket.sla_warn_at
    left = (due - now).total_seconds()
    if left <= 0:
        css, text = "text-bg-danger", _("Overdue %(t)s") % {"t": _duration_text(left)}
    else:
        css = "text-bg-warning" if warn_at is not None and now >= warn_at else "text-bg-success"
        text = _("%(t)s left") % {"t": _duration_text(left)}
    return format_html(
        '<span class="badge sla-badge {}" data-due="{}" data-warn="{}" title="{}">{}</span>',
        css,
        due.isoformat(),
        warn_at.isoformat() if warn_at else "",
        # A plain stamp: the localised DATETIME_FORMAT costs more than the whole badge.
        _("Due %(when)s") % {"when": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
        text,
    )
