from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import api_token_create, api_tokens_revoke_all
from alerts.services import monitoring_account


class Command(BaseCommand):
    help = "Make an API token for the monitoring account (made if missing) and print it, once; or revoke its tokens."

    def add_arguments(self, parser):
        parser.add_argument("--name", default="Alertmanager", help="what the token is for")
        parser.add_argument("--revoke", action="store_true", help="revoke every token of the monitoring account")

    def handle(self, *args, name: str, revoke: bool, **options):
        account = monitoring_account()
        if revoke:
            with transaction.atomic():
                revoked = api_tokens_revoke_all(user_id=account.pk)
            self.stdout.write(
                ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked}
            )
            return
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise CommandError(_("Give the token a name of 1 to 80 characters."))
        _token, key = api_token_create(user=account, name=name)
        self.stderr.write(
            _(
                "A token for %(account)s, named %(name)s. It is shown only now: keep it where the monitoring tool reads it."
            )
            % {"account": account.username, "name": name}
        )
        self.stdout.write(key)
