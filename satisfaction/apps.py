from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from .filters import rating_filters_add

        rating_filters_add()
