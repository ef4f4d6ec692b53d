from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Presence(models.TextChoices):
    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")
    OFF = "off", pgettext_lazy("presence", "Off")


class AssignmentMethod(models.TextChoices):
    MANUAL = "manual", _("Manual: agents take or are given tickets")
    ROUND_ROBIN = "round_robin", _("Round-robin among available agents")
    LEAST_LOADED = "least_loaded", _("Least-loaded: fewest open tickets, weighted by priority")


class SkillRule(models.TextChoices):
    ANY = "any", _("Any agent of the level")
    PREFER = "prefer", _("Prefer agents with the ticket's category as a skill")
    REQUIRE = "require", _("Only agents with the ticket's category as a skill")


# How much an open ticket weighs in an agent's load, by priority (P1 … P4): least-loaded
# assignment compares these sums; the cap counts tickets.
PRIORITY_WEIGHTS = {1: 8, 2: 4, 3: 2, 4: 1}
