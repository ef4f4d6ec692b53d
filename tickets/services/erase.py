"""The one way past the audit trail's guard: tickets deleted with their whole history."""

from django.db import connection, transaction

from ..models import Ticket


@transaction.atomic
def tickets_erase(tickets) -> int:
    """Delete these tickets and everything that points at them, their audit events included,
    which nothing else may change or delete (on PostgreSQL a trigger refuses it unless the
    transaction says ``helpdesk.audit_erase``). For data that must go: a benchmark's or a
    test's, or a person's under a legal erasure. Returns the tickets deleted."""
    _erase_allow(True)
    _total, by_model = tickets.delete()
    # Within a longer transaction the permission ends here; should the delete fail, rolling
    # back this block takes the permission back with it.
    _erase_allow(False)
    return by_model.get(Ticket._meta.label, 0)


def _erase_allow(allowed: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('helpdesk.audit_erase', %s, true)", ["on" if allowed else "off"])
