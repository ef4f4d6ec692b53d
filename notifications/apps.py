from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - every process knows the tasks the services hand work to by name
        from .models import WebhookEndpoint
        from .selectors import webhook_endpoints_forget

        # Cached endpoints are dropped when one changes (not business logic: a cache).
        for signal in (post_save, post_delete):
            signal.connect(webhook_endpoints_forget, sender=WebhookEndpoint, dispatch_uid=f"webhook-endpoints-{signal}")
