from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class SlaThreshold(models.TextChoices):
    WARNING_1 = "warning_1", _("First warning")
    WARNING_2 = "warning_2", _("Second warning")
    BREACHED = "breached", _("Breached")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# Every (metric, threshold) a ticket can cross, in the order they are reported.
THRESHOLDS: tuple[tuple[str, str], ...] = tuple(
    (metric, threshold) for metric in SlaMetric.values for threshold in SlaThreshold.values
)

# Names of the calendars a new helpdesk starts with (escalation migration 0005): shown
# translated; ones added later are shown as written.
DEFAULT_CALENDAR_NAMES = [
    gettext_noop("Office hours (WIB)"),
    gettext_noop("Around the clock"),
]
