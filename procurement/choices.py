from django.db import models
from django.utils.translation import gettext_lazy as _


class Recommendation(models.TextChoices):
    REPAIR = "repair", _("Repair")
    REPLACE = "replace", _("Replace")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    REPAIR_APPROVED = "repair", _("Repair approved")
    REPLACE_APPROVED = "replace", _("Replacement approved")
    REJECTED = "rejected", _("Rejected")


class Decision(models.TextChoices):
    """What a supervisor decides on a component report."""

    REPAIR = "repair", _("Approve repair")
    REPLACE = "replace", _("Approve replacement")
    REJECT = "reject", _("Reject")


class ProcurementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    FIRST_APPROVED = "first_approved", _("Waiting for a second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ORDERED = "ordered", _("Ordered")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses each status may move to; anything else is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProcurementStatus.DRAFT: (ProcurementStatus.SUBMITTED, ProcurementStatus.CANCELLED),
    ProcurementStatus.SUBMITTED: (
        ProcurementStatus.FIRST_APPROVED,
        ProcurementStatus.APPROVED,
        ProcurementStatus.REJECTED,
        ProcurementStatus.CANCELLED,
    ),
    ProcurementStatus.FIRST_APPROVED: (
        ProcurementStatus.APPROVED,
        ProcurementStatus.REJECTED,
        ProcurementStatus.CANCELLED,
    ),
    ProcurementStatus.APPROVED: (ProcurementStatus.ORDERED, ProcurementStatus.CANCELLED),
    ProcurementStatus.ORDERED: (ProcurementStatus.RECEIVED, ProcurementStatus.CANCELLED),
    ProcurementStatus.REJECTED: (),
    ProcurementStatus.RECEIVED: (),
    ProcurementStatus.CANCELLED: (),
}
# Waiting for someone's approval: the approvers' list shows these.
AWAITING_APPROVAL = (ProcurementStatus.SUBMITTED, ProcurementStatus.FIRST_APPROVED)

TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000
# Up to 999 999 999 999.99 in the currency.
AMOUNT_MAX_DIGITS = 14
ITEMS_MAX = 50
QUANTITY_MAX = 100000
