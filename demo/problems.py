"""The demo's problem: printers that drop off the network, with two of its incidents."""

from problems.choices import ProblemStatus
from problems.models import Problem
from problems.services import problem_create, problem_incident_link, problem_update
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket


def demo_problems_ensure(*, users: dict) -> bool:
    """One known error with a root cause and a workaround, linked to two open tickets
    (printer ones when there are), when there is no problem yet."""
    supervisor = users.get("supervisor")
    if supervisor is None or Problem.objects.exists():
        return False
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("created_at", "id")
    printers = list(open_tickets.filter(category__name="Printer and scanner").values_list("pk", flat=True)[:2])
    incidents = printers if len(printers) == 2 else list(open_tickets.values_list("pk", flat=True)[:2])
    if len(incidents) < 2:
        return False
    problem = problem_create(
        by=supervisor,
        title="Printers on floor 3 drop off the network",
        description="Several people report that their print jobs stay in the queue since the switch was replaced.",
        ticket_id=incidents[0],
    )
    problem_update(
        problem_id=problem.pk,
        by=supervisor,
        changes={
            "status": ProblemStatus.KNOWN_ERROR,
            "root_cause": "The new floor switch gives the printers a new address every night (DHCP lease of 12 hours).",
            "workaround": "Print to the printer by its name, PRN-3F, instead of its address; "
            "or ask the service desk to restart the printer.",
        },
    )
    problem_incident_link(problem_id=problem.pk, by=supervisor, ticket_reference=Ticket(pk=incidents[1]).reference)
    return True
