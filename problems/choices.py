from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# A problem still being worked: its incidents may be linked and its text changed.
ACTIVE_STATUSES = (ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR)
# Where a problem ends: resolving or closing it asks for a resolution.
FINAL_STATUSES = (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)


class ProblemEventKind(models.TextChoices):
    CREATED = "created", _("Opened")
    CHANGED = "changed", _("Changed")
    INCIDENT_LINKED = "incident_linked", _("Incident linked")
    INCIDENT_UNLINKED = "incident_unlinked", _("Incident unlinked")
    WORKAROUND_SENT = "workaround_sent", _("Workaround sent")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
