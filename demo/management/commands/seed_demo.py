import os

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from demo.assets import demo_assets_ensure
from demo.data import DEMO_USERS, demo_tickets_create, demo_users_ensure
from demo.knowledge import demo_knowledge_ensure
from demo.problems import demo_problems_ensure
from demo.routing import demo_routing_ensure
from demo.vendors import demo_vendors_ensure
from demo.views import demo_saved_views_ensure
from escalation.services import ladders_backfill
from tickets.models import Ticket


class Command(BaseCommand):
    help = _("Create the demo accounts and realistic tickets (bulk inserts).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets",
            type=int,
            default=None,
            help=_("How many tickets to add. Without it, 300 are added only when there are none yet."),
        )
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "helpdesk-demo"))
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, tickets, password, seed, **options):
        users = demo_users_ensure(password=password)
        count = tickets if tickets is not None else (0 if Ticket.objects.exists() else 300)
        if count:
            demo_tickets_create(count=count, users=users, seed=seed)
            # Demo lateness is history: escalation rules it would trip count as fired.
            ladders_backfill()
            self.stdout.write(_("Added %(n)s demo tickets.") % {"n": count})
        articles, replies = demo_knowledge_ensure()
        if articles or replies:
            self.stdout.write(
                _("Added %(articles)s knowledge base articles and %(replies)s canned replies.")
                % {"articles": articles, "replies": replies}
            )
        vendors = demo_vendors_ensure()
        if vendors:
            self.stdout.write(_("Added %(n)s demo vendors with a contact and a contract.") % {"n": vendors})
        if demo_routing_ensure(users=users):
            self.stdout.write(_("Level I assigns its tickets automatically (least-loaded, up to 30 each)."))
        if demo_problems_ensure(users=users):
            self.stdout.write(_("Added a demo problem (a known error) with two incidents."))
        views = demo_saved_views_ensure(users=users)
        if views:
            self.stdout.write(_("Added %(n)s shared views of the ticket list.") % {"n": views})
        assets = demo_assets_ensure()
        if assets:
            self.stdout.write(_("Added %(n)s demo assets.") % {"n": assets})
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (password for new ones: %(pw)s):") % {"pw": password})
        for username, _first, _last, role, levels, _phone in DEMO_USERS:
            where = ", ".join(f"Level {'I' * n}" for n in levels)
            self.stdout.write(f"  {username:<11} {role}{(' — ' + where) if where else ''}")
