from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
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

        # Cached API tokens go when their person or anyone's access changes (not
        # business logic: a cache).
        from django.contrib.auth.models import Group

        from .models import ApiToken, User
        from .selectors import api_tokens_forget

        def person_changed(sender, instance, **kwargs) -> None:
            api_tokens_forget(user_ids=[instance.pk])

        def token_changed(sender, instance, **kwargs) -> None:
            api_tokens_forget(user_ids=[instance.user_id])

        def access_changed(sender, action, **kwargs) -> None:
            # Rare (an administrator's change): every cached token goes, whoever it concerns.
            if action in ("post_add", "post_remove", "post_clear"):
                api_tokens_forget(user_ids=None)

        post_save.connect(person_changed, sender=User, dispatch_uid="accounts.tokens.person")
        post_delete.connect(token_changed, sender=ApiToken, dispatch_uid="accounts.tokens.token")
        for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(access_changed, sender=through, dispatch_uid=f"accounts.tokens.{through.__name__}")


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that also asks for the second factor (accounts.admin_site.HelpdeskAdminSite)."""

    default = False  # AccountsConfig is this module's app; this one is named in INSTALLED_APPS
    default_site = "accounts.admin_site.HelpdeskAdminSite"
