"""Upgrading to full-text search (PostgreSQL): tickets and comments written before it (at the previous
schema) are found after it, internal notes for staff only, and new writes keep it current."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import make_agent, make_requester
from tickets.models import Comment, Ticket
from tickets.search import ticket_search

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("tickets", "0018_ticket_source_message_id")]


def test_what_was_there_before_the_upgrade_is_found_after_it(migrate, reference_data):
    assert connection.vendor == "postgresql"
    requester = make_requester(username="rina")
    old = migrate(BEFORE)
    OldTicket, OldComment = old.get_model("tickets", "Ticket"), old.get_model("tickets", "Comment")
    rina = old.get_model("accounts", "User").objects.get(pk=requester.pk)
    ticket = OldTicket.objects.create(
        requester=rina,
        subject="Proyektor ruang rapat",
        description="Gambar berkedip.",
        impact="low",
        urgency="low",
        priority=4,
        level=1,
    )
    OldComment.objects.create(ticket=ticket, author=rina, body="Kabel HDMI sudah diganti.")
    OldComment.objects.create(ticket=ticket, author=rina, body="Garansi vendor habis.", is_internal=True)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    agent = make_agent(1)
    assert [t.pk for t in ticket_search(user=agent, query="hdmi proyektor")] == [ticket.pk]
    assert [t.pk for t in ticket_search(user=agent, query="garansi")] == [ticket.pk]
    assert [t.pk for t in ticket_search(user=requester, query="kabel")] == [ticket.pk]
    assert list(ticket_search(user=requester, query="garansi")) == []
    # And the triggers keep it current from here: an edit, a new reply, an erasure.
    Ticket.objects.filter(pk=ticket.pk).update(subject="Layar proyektor")
    assert [t.pk for t in ticket_search(user=agent, query="layar")] == [ticket.pk]
    Comment.objects.create(ticket_id=ticket.pk, author=agent, body="Lampu proyektor diganti.")
    assert [t.pk for t in ticket_search(user=requester, query="lampu")] == [ticket.pk]
    Comment.objects.filter(ticket_id=ticket.pk, body__startswith="Kabel").update(body="[erased]")
    assert list(ticket_search(user=agent, query="hdmi")) == []
    Comment.objects.filter(ticket_id=ticket.pk, is_internal=True).delete()
    assert list(ticket_search(user=agent, query="garansi")) == []
