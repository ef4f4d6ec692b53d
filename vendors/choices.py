from django.db import models
from django.utils.translation import gettext_lazy as _


class VendorEscalationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class VendorTarget(models.TextChoices):
    """The two promises of a vendor contract, which reminders chase in turn."""

    RESPONSE = "response", _("response")
    RESOLUTION = "resolution", _("resolution")
