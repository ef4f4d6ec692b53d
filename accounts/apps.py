from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import schema, services  # noqa: F401 - schema registers the API token scheme

        # Roles are groups whose permissions must exist after every migrate, on every
        # database (test databases too). post_migrate is sent once per app, and each app's
        # permissions exist only after its own signal, so sync after every app's.
        post_migrate.connect(services.roles_sync_on_migrate, dispatch_uid="accounts.roles_sync")
