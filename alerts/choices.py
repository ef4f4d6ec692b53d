from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertSource(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Alertmanager")
    ZABBIX = "zabbix", _("Zabbix")
    GENERIC = "generic", _("Other tool (generic form)")


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    PROCESSED = "processed", _("Processed")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Could not be processed")


class GroupBy(models.TextChoices):
    FINGERPRINT = "fingerprint", _("One ticket per alert")
    GROUP = "group", _("One ticket per Alertmanager group")
