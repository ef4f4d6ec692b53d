from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Preventive maintenance")

    def ready(self) -> None:
        from .filters import maintenance_filters_add

        maintenance_filters_add()
