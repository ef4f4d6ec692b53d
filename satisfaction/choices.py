from django.db import models
from django.utils.translation import gettext_lazy as _

# Scores are kept from 1 to 5 whatever the scale rated on ("good" is 5, "bad" is 1).
LOWEST_SCORE = 1
HIGHEST_SCORE = 5
# A rating at or above this is a satisfied requester (the usual CSAT figure).
SATISFIED_FROM = 4
# A rating at or below this alerts the level's supervisors.
LOW_UP_TO = 2
COMMENT_MAX_LENGTH = 2000


class RatingScale(models.TextChoices):
    FIVE = "five", _("1 to 5")
    TWO = "two", _("Good or bad")
