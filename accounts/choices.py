from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Role(models.TextChoices):
    """The roles people have; each is a Django group of the same name."""

    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class Level(models.IntegerChoices):
    """The three support tiers; a higher number is a deeper tier."""

    I = 1, _("Level I")  # noqa: E741 - the tier's own name
    II = 2, _("Level II")
    III = 3, _("Level III")


# Names of the levels a new helpdesk starts with (escalation migration 0002): shown
# translated; ones added later are shown as written.
DEFAULT_LEVEL_NAMES = [
    gettext_noop("Level I — front line"),
    gettext_noop("Level II — technical support"),
    gettext_noop("Level III — specialists"),
]
