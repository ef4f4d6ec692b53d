from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Channels in")

    def ready(self) -> None:
        from anymail.signals import inbound

        from . import tasks  # noqa: F401 - every process knows the tasks by name
        from .receivers import inbound_email_posted

        inbound.connect(inbound_email_posted, dispatch_uid="intake.inbound_email_posted")
