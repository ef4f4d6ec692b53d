from django.db import models
from django.utils.translation import gettext_lazy as _


class RecomputeScope(models.TextChoices):
    POLICY = "policy", _("SLA policy")
    CALENDAR = "calendar", _("Business calendar")


class RecomputeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


# A run still at work: a second request for its scope joins it.
ACTIVE_STATUSES = (RecomputeStatus.PENDING, RecomputeStatus.RUNNING)

# Tickets recomputed in one transaction (one lock, a few queries).
RECOMPUTE_BATCH_SIZE = 1000
