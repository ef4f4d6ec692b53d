from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    name = "configuration"
    verbose_name = _("Configuration")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - registers the task the services queue by name
