from typing import Any

from django.utils.translation import gettext_lazy as _

# Presets offered on the plan form: (key, label, RRULE). The raw rule is for everything else.
PRESETS: list[tuple[str, Any, str]] = [
    ("first_monday", _("Every first Monday of the month"), "FREQ=MONTHLY;BYDAY=1MO"),
    ("weekly_friday", _("Weekly on Friday"), "FREQ=WEEKLY;BYDAY=FR"),
    ("monthly", _("Every month"), "FREQ=MONTHLY"),
    ("quarterly", _("Every 3 months"), "FREQ=MONTHLY;INTERVAL=3"),
    ("half_yearly", _("Every 6 months"), "FREQ=MONTHLY;INTERVAL=6"),
    ("yearly", _("Every year"), "FREQ=YEARLY"),
    ("last_weekday", _("Last working day of the month"), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    ("daily", _("Every day"), "FREQ=DAILY"),
]
CUSTOM = "custom"
RULE_MAX_LENGTH = 500
NAME_MAX_LENGTH = 200
# The rule must fire within this many years of its start (and is only looked at so far).
HORIZON_YEARS = 5
PREVIEW_COUNT = 5
