from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation and notifications")

    def ready(self) -> None:
        from .caching import config_cache_clear
        from .models import Calendar, Holiday, SlaPolicy, WebhookEndpoint, WorkingPeriod

        # Cached configuration is dropped when it changes (not business logic: a cache).
        for model in (SlaPolicy, Calendar, WorkingPeriod, Holiday, WebhookEndpoint):
            for signal in (post_save, post_delete):
                signal.connect(config_cache_clear, sender=model, dispatch_uid=f"config-cache-{model.__name__}-{signal}")
