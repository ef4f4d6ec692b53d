from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = _("Assignment")

    def ready(self) -> None:
        from tickets.extensions import level_entry_listener_register

        from . import tasks  # noqa: F401 - every process knows the tasks the services hand work to by name
        from .models import AssignmentPolicy
        from .selectors import policy_cache_clear
        from .services import levels_entered

        level_entry_listener_register("routing", levels_entered)
        # Cached configuration is dropped when it changes (not business logic: a cache).
        for signal in (post_save, post_delete):
            signal.connect(policy_cache_clear, sender=AssignmentPolicy, dispatch_uid=f"routing-policy-{signal}")
