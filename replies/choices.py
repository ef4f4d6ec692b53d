from django.utils.translation import gettext_lazy as _

from tickets.choices import Status

# The statuses sending a canned reply may move the ticket to (through ticket_change_status).
REPLY_STATUSES = [(Status.OPEN.value, Status.OPEN.label), (Status.PENDING.value, Status.PENDING.label)]
TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 20000
PERSONAL = "personal"
NO_CHANGE = ("", _("No change"))
