from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class RuleTrigger(models.TextChoices):
    NOT_TAKEN = "not_taken", _("Not taken within some minutes at this level")
    SLA_THRESHOLD = "sla_threshold", _("An SLA threshold is crossed at this level")


# Names of the rules a new helpdesk starts with (migration 0007): shown translated; ones
# added later are shown as written.
DEFAULT_RULE_NAMES = [
    gettext_noop("P1 not taken within 10 minutes at Level I goes to Level II"),
    gettext_noop("Resolution breach at Level II goes to Level III and pages the supervisor"),
]
