from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - every process knows the tasks the services hand work to by name
