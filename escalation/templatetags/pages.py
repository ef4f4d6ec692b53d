from django import template

from ..selectors import page_waiting

register = template.Library()


@register.inclusion_tag("escalation/_page_panel.html")
def page_panel(ticket, user):
    """On a ticket's page, for whoever may answer it: the page waiting, with a button that
    acknowledges it (as ``ACK`` by SMS does)."""
    return {"ticket": ticket, "page": page_waiting(ticket=ticket, user=user)}
