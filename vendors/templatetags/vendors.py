from django import template

from accounts.choices import Level

from ..rules import can_escalate_to_vendor, can_read_vendors
from ..selectors import ticket_vendor_escalations

register = template.Library()


@register.inclusion_tag("vendors/_ticket_panel.html")
def vendor_panel(ticket, user):
    """On a ticket's page, for support staff only: the vendor the ticket waits on, with its
    clock, or a link to take a Level III ticket to a vendor. Requesters see nothing."""
    if not can_read_vendors(user):
        return {"show": False}
    escalations = ticket_vendor_escalations(ticket_id=ticket.pk)
    can_act = can_escalate_to_vendor(user)
    show = bool(escalations) or (ticket.level == Level.III and can_act)
    return {
        "show": show,
        "ticket": ticket,
        "current": next((e for e in escalations if e.is_open), None),
        "count": len(escalations),
        "can_act": can_act,
    }
