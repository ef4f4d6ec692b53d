from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.models import Calendar
from tickets.models import Ticket

from .choices import VendorEscalationStatus


class Vendor(models.Model):
    """A supplier or maintainer the IT team buys from or takes faults to (Level III)."""

    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), max_length=500, blank=True)
    email = models.EmailField(_("support email"), max_length=254, blank=True)
    phone = models.CharField(_("support phone"), max_length=32, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = [models.UniqueConstraint(Lower("name"), name="vendor_name_unique")]

    def __str__(self) -> str:
        return self.name


class VendorContact(models.Model):
    """A person at a vendor: who hears of the faults taken to them."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("vendor"))
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=120, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_primary = models.BooleanField(
        _("primary contact"), default=False, help_text=_("Escalations and reminders go to the primary contact.")
    )

    class Meta:
        ordering = ["vendor", "-is_primary", "name", "id"]
        verbose_name = _("vendor contact")
        verbose_name_plural = _("vendor contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"], condition=models.Q(is_primary=True), name="vendor_one_primary_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})"


class VendorContractQuerySet(models.QuerySet):
    def in_force(self, *, on):
        """Contracts in force on that day (started, and not ended before it)."""
        return self.filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on), starts_on__lte=on)


class VendorContract(models.Model):
    """What a vendor promised: a support or maintenance contract with response and
    resolution targets, which the vendor clock of an escalated ticket runs against."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("vendor"))
    reference = models.CharField(_("contract reference"), max_length=120)
    description = models.TextField(_("what it covers"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    response_minutes = models.PositiveIntegerField(_("response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    business_hours_only = models.BooleanField(
        _("business hours only"),
        default=False,
        help_text=_("The targets count the helpdesk's business hours only, not every hour of the day."),
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business calendar"),
        help_text=_("Whose business hours count; empty: the calendar of the ticket's SLA policy."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = VendorContractQuerySet.as_manager()

    class Meta:
        ordering = ["vendor", "-starts_on", "id"]
        verbose_name = _("vendor contract")
        verbose_name_plural = _("vendor contracts")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "reference"], name="vendor_contract_reference_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="vendor_contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("response_minutes")),
                name="vendor_contract_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.reference}"

    def is_current(self, *, on) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


class VendorEscalation(models.Model):
    """A Level III ticket taken to a vendor: whom we asked, under which contract, and the
    vendor's clock (response and resolution due from the contract's targets). At most one
    open escalation per ticket; the ticket waits on the vendor while it is open."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="vendor_escalations", verbose_name=_("ticket")
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("vendor"))
    contract = models.ForeignKey(
        VendorContract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("contract"),
    )
    contact = models.ForeignKey(
        VendorContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("contact"),
    )
    # The address the first mail went to, kept as it was (a contact may be edited later).
    contact_email = models.EmailField(_("mailed to"), max_length=254, blank=True)
    vendor_reference = models.CharField(_("vendor's reference"), max_length=120, blank=True)
    message = models.TextField(_("message to the vendor"))
    status = models.CharField(
        _("status"), max_length=8, choices=VendorEscalationStatus.choices, default=VendorEscalationStatus.OPEN
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("escalated by")
    )
    escalated_at = models.DateTimeField(_("escalated"), default=timezone.now)
    response_due_at = models.DateTimeField(_("vendor response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("vendor resolution due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("vendor responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("vendor resolved"), null=True, blank=True)
    resolution = models.TextField(_("vendor's resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # The Message-ID of the first mail to the vendor: replies and reminders thread on it.
    message_id = models.CharField(_("Message-ID of the first mail"), max_length=500, blank=True, editable=False)
    # When the reminder sweep next chases the vendor (null: nothing to chase).
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminders_sent = models.PositiveIntegerField(_("reminders sent"), default=0, editable=False)

    class Meta:
        ordering = ["-escalated_at", "-id"]
        verbose_name = _("vendor escalation")
        verbose_name_plural = _("vendor escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status=VendorEscalationStatus.OPEN),
                name="vendor_escalation_one_open_per_ticket",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=models.Q(status=VendorEscalationStatus.OPEN, next_reminder_at__isnull=False),
                name="vendor_escalation_reminder_idx",
            ),
            models.Index(fields=["vendor", "escalated_at"], name="vendor_escalation_period_idx"),
            models.Index(fields=["message_id"], condition=~models.Q(message_id=""), name="vendor_escalation_msgid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference} → {self.vendor}"

    @property
    def is_open(self) -> bool:
        return self.status == VendorEscalationStatus.OPEN

    def response_met(self) -> bool | None:
        if self.response_due_at is None or self.responded_at is None:
            return None
        return self.responded_at <= self.response_due_at

    def resolution_met(self) -> bool | None:
        if self.resolution_due_at is None or self.resolved_at is None:
            return None
        return self.resolved_at <= self.resolution_due_at
