from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from .models import Calendar, Holiday, SlaPolicy, WorkingPeriod
        from .selectors import config_cache_clear

        # Cached configuration is dropped when it changes (not business logic: a cache).
        for model in (SlaPolicy, Calendar, WorkingPeriod, Holiday):
            for signal in (post_save, post_delete):
                signal.connect(config_cache_clear, sender=model, dispatch_uid=f"config-cache-{model.__name__}-{signal}")
