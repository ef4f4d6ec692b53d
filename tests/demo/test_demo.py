import pytest
from django.core.management import call_command
from django.utils import timezone

from escalation.services import sla_sweep
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_accounts_and_realistic_tickets_with_sla_times(capsys):
    call_command("seed_demo", tickets=400)
    out = capsys.readouterr().out
    assert "agent1" in out and "helpdesk-demo" in out
    assert Ticket.objects.count() == 400
    assert TicketEvent.objects.filter(kind="created").count() == 400
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert open_tickets.exists()
    running = open_tickets.exclude(status="pending")
    assert not running.filter(sla_due_at__isnull=True).exists()
    assert not Ticket.objects.filter(first_response_at__gt=timezone.now()).exists()
    # Thresholds already behind the demo were recorded when seeding: the first sweep is quiet.
    assert sla_sweep() == []


def test_seed_demo_without_a_count_seeds_only_an_empty_database():
    call_command("seed_demo")
    assert Ticket.objects.count() == 300
    call_command("seed_demo")
    assert Ticket.objects.count() == 300


def test_seed_demo_publishes_bilingual_articles_and_level_one_canned_replies_once():
    from knowledge.models import Article
    from knowledge.selectors import articles_suggested
    from replies.models import CannedReply

    call_command("seed_demo", tickets=1)
    call_command("seed_demo", tickets=1)
    assert Article.objects.filter(status="published").count() == 3
    assert [a.shown.title for a in articles_suggested("printer macet", "id", 5)] == [
        "Printer macet: bersihkan jalur kertas"
    ]
    assert CannedReply.objects.filter(level=1, owner=None).count() == 2


def test_seed_demo_adds_a_small_inventory_once():
    import datetime

    from assets.models import Asset, TicketAsset

    call_command("seed_demo", tickets=5)
    call_command("seed_demo", tickets=1)
    assert Asset.objects.count() == 13
    today = timezone.localdate()
    licence = Asset.objects.get(tag="LIC-0001")
    assert licence.licence_expires_on == today + datetime.timedelta(days=20)
    assert licence.seats_used <= licence.seats_owned
    assert Asset.objects.get(tag="VM-0001").parent.tag == "SRV-0001"
    assert Asset.objects.get(tag="DSK-0001").parent.tag == "SRV-0001"
    assert Asset.objects.filter(asset_type="laptop", user__isnull=False).count() == 4
    assert Asset.objects.filter(warranty_ends_on__lte=today + datetime.timedelta(days=30)).exists()
    assert TicketAsset.objects.filter(asset__tag="LAP-0001").count() == 1


def test_seed_demo_adds_one_problem_with_two_incidents_once():
    from problems.models import Problem

    call_command("seed_demo", tickets=60)
    call_command("seed_demo", tickets=1)
    [problem] = Problem.objects.all()
    assert problem.status == "known_error" and problem.root_cause and problem.workaround
    assert problem.incidents.count() == 2
    assert all(ticket.status in OPEN_STATUSES for ticket in problem.incidents.all())


def test_seed_demo_shares_its_saved_views_once(client):
    from tickets.models import SavedView

    call_command("seed_demo", tickets=1)
    call_command("seed_demo", tickets=1)
    views = {view.name: view for view in SavedView.objects.filter(is_shared=True)}
    assert set(views) == {"My pending on customer", "P1 this week", "Breached now"}
    assert views["My pending on customer"].query == "status=pending&assignee=me"
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="agent1"))
    response = client.get(views["P1 this week"].get_absolute_url())
    assert response.status_code == 200 and not response.context["filter_errors"]
    assert all(ticket.priority == 1 for ticket in response.context["page"].object_list)
