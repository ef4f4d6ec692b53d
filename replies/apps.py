from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = _("Canned replies")

    def ready(self) -> None:
        from tickets.services import bulk_action_register

        from .bulk import REPLY_ACTION

        bulk_action_register(REPLY_ACTION)
