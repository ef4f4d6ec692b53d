from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Monitoring alerts")

    def ready(self) -> None:
        from . import schema, tasks  # noqa: F401 - the basic-auth scheme; every process knows the tasks
