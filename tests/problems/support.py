"""What the problems tests start from: a problem with a workaround whose incident is the given ticket."""

from problems import services
from tests.factories import TicketFactory, make_supervisor
from tickets.choices import Status


def problem_with(ticket, **changes):
    supervisor = make_supervisor()
    problem = services.problem_create(by=supervisor, title="VPN drops at 09:00", ticket_id=ticket.pk)
    services.problem_update(
        problem_id=problem.pk,
        by=supervisor,
        changes={"root_cause": "The firewall's session table fills", "workaround": "Reconnect the VPN", **changes},
    )
    return problem


def problem_ids(ticket) -> dict:
    """The ids a page's path names: the problem (its incident is ``ticket``) and another open ticket."""
    return {"problem": problem_with(ticket).reference, "other": TicketFactory(status=Status.OPEN).reference}
